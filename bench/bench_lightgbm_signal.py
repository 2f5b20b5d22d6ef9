"""Does the generated data carry signal? A LightGBM lambdarank ranker vs the oracle's top-1.

Usage: python bench/bench_lightgbm_signal.py [--n-train 2000] [--n-test 2000] [--seed 0]
The generator's contract: LightGBM top-1 >= 0.85 x the oracle's top-1 (top-1 = agreement with the
recorded choice).
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import lightgbm_scores, metrics_for  # noqa: E402

from donor_rank.synth import generate, split_seed  # noqa: E402


def run(n_train=2000, n_test=2000, seed=0, **lgb_kw):
    "Train on `n_train` generated patients, score `n_test` held-out ones; a dict of figures."
    tr = generate(n_train, seed=split_seed(seed, 'train'))
    te = generate(n_test, seed=split_seed(seed, 'test'), start=n_train)
    kw = dict(n_jobs=1)                      # n_jobs=1: threads contend on a busy 2-core box
    kw.update(lgb_kw)
    t0 = time.perf_counter()
    scores = lightgbm_scores(tr, te, seed=seed, **kw)
    fit_s = time.perf_counter() - t0
    m = metrics_for(te, scores)
    return dict(lightgbm_top1=m['top1'], oracle_top1=m['oracle_top1'],
                ratio=m['top1'] / m['oracle_top1'], fit_s=fit_s)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-train', type=int, default=2000)
    p.add_argument('--n-test', type=int, default=2000)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    r = run(a.n_train, a.n_test, a.seed)
    print(f"train {a.n_train} / test {a.n_test} patients x 10 donors, seed {a.seed}")
    print(f"LightGBM lambdarank top-1 {r['lightgbm_top1']:.3f}   "
          f"oracle top-1 {r['oracle_top1']:.3f}   "
          f"ratio {r['ratio']:.3f} (required >= 0.85)   fit {r['fit_s']:.1f} s")
