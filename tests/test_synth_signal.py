"The labels carry signal: a LightGBM lambdarank ranker reaches >= 0.85 of the oracle's top-1."
import sys
from pathlib import Path
import pytest
pytest.importorskip('lightgbm')
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench'))
from bench_lightgbm_signal import run

def test_lightgbm_reaches_85pct_of_oracle_top1():
    r = run(n_train=2000, n_test=1500, seed=0)
    assert r['ratio'] >= 0.85, r
