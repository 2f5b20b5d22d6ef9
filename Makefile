# donor_rank: `make demo` and `make test` work on a fresh clone (they create .venv and install).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DATA := data
CKPT := checkpoints

.PHONY: install test demo lab export clean-nbs index bench analysis

install: $(STAMP)

# torch first: a CPU build of torch==2.13.0 is on these machines' disk; a looser request pulls CUDA.
$(STAMP): settings.ini setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

export: install
	$(BIN)/nbdev_export

clean-nbs: install
	$(BIN)/nbdev_clean

# README.md is the source; nbs/index.ipynb (the docs' landing page) is generated from it.
index: install
	$(PY) tools/make_index.py

test: install
	tools/check_sync.sh
	$(BIN)/nbdev_test --n_workers 2
	$(BIN)/pytest -q tests

demo: install
	$(BIN)/donor_rank_generate --n-train 2000 --n-val 400 --n-test 2000 --seed 0 --out $(DATA)/
	$(BIN)/donor_rank_train --train $(DATA)/donor_selection_train.json --val $(DATA)/donor_selection_val.json --out $(CKPT)/
	$(BIN)/donor_rank_evaluate --checkpoint $(CKPT)/best_model.pt --data $(DATA)/donor_selection_test.json \
	  --task-type donor_selection --out $(CKPT)/test_predictions.jsonl --report $(CKPT)/report
	$(BIN)/donor_rank_inspect --checkpoint $(CKPT)/best_model.pt --data $(DATA)/donor_selection_test.json \
	  --task-type donor_selection --num-samples 3
	@echo
	@echo "demo outputs:"
	@echo "  data         $(DATA)/donor_selection_{train,val,test}.json"
	@echo "  model        $(CKPT)/best_model.pt (and last_model.pt, to resume)"
	@echo "  training     $(CKPT)/metrics.jsonl, $(CKPT)/curves.png"
	@echo "  predictions  $(CKPT)/test_predictions.jsonl"
	@echo "  report       $(CKPT)/report/ (report.png, calibration.png, report.json, report.csv)"

lab: install
	$(BIN)/jupyter lab --notebook-dir=nbs

# Every benchmark: about three hours on 2 cores before the tuned CatBoost, whose fits at 20,000
# lists took 3 to 16 minutes each here (not yet timed as a whole run); each writes bench/out/ or
# bench/results/ with the machine, versions and commit.
# LETOR_DIR=path/to/LightGBM/examples/lambdarank adds the LETOR sample.
bench: install
	$(PY) bench/bench_generate.py
	$(PY) bench/bench_features.py
	$(PY) bench/bench_lightgbm_signal.py
	$(PY) bench/bench_ranking.py
	$(PY) bench/bench_quality.py --configs default wide_l1=0,pair=false
	$(PY) bench/bench_train_speed.py --sizes 2000 20000 --no-profile --no-serving
	$(PY) bench/bench_score_pool.py --repeat 3
	$(PY) bench/bench_read.py --rows 120000 240000 480000 1900000 3700000 --sklearn-max-rows 240000 \
	  --epoch --clean
	$(PY) bench/bench_read_json.py
	$(if $(LETOR_DIR),$(PY) bench/bench_letor_sample.py --dir $(LETOR_DIR) --configs default num_embed=linear,lr=0.04 scale=quantile)

# The analysis notebooks, run in full (nbdev_test runs them reduced); outputs are committed.
ANALYSIS := nbs/10_failure_diagnosis.ipynb nbs/11_loss_ablation.ipynb nbs/12_sensitivity.ipynb \
	nbs/14_where_trees_win.ipynb

analysis: install
	for nb in $(ANALYSIS); do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=14400 $$nb && \
	  $(BIN)/nbdev_clean --fname $$nb || exit 1; done
