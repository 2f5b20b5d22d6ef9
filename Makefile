# donor_rank: `make demo` and `make test` work on a fresh clone (they create .venv and install).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DATA := data
CKPT := checkpoints

.PHONY: install test demo lab export clean-nbs bench

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

test: install
	tools/check_sync.sh
	$(BIN)/nbdev_test --n_workers 2
	$(BIN)/pytest -q tests

demo: install
	$(BIN)/donor_rank_generate --n-train 2000 --n-val 400 --n-test 1000 --seed 0 --out $(DATA)/
	@echo
	@echo "demo outputs: data in $(DATA)/"

lab: install
	$(BIN)/jupyter lab --notebook-dir=nbs

bench: install
	$(PY) bench/bench_generate.py
