"""Score a registry search: one patient against 250,000 to 1,000,000 donors, featurisation included.

Times `Ranker.score_frame` (PyTorch), the ONNX export scored by `OnnxRanker.score_frame`
(onnxruntime) and LightGBM's lambdarank (300 trees: the frame built as for training, then
`predict`) on the same pool, best of `--repeat`, with that call's CPU time (all threads) and the
peak memory each call added (resident set size sampled every 5 ms). The load average before and
after is recorded: on a shared machine compare each scorer with LightGBM in the same run. Writes
`bench/results/score_pool.json` with the machine, the torch version and the commit. Uses the
public API only.

    .venv/bin/python bench/bench_score_pool.py                     # trains a default-width model for 1 epoch
    .venv/bin/python bench/bench_score_pool.py --checkpoint checkpoints/best_model.pt --sizes 1000000
    .venv/bin/python bench/bench_score_pool.py --paths torch,lightgbm --out before.json   # no export
"""
from __future__ import annotations
import argparse, json, os, platform, subprocess, sys, tempfile, threading, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import align_categories, environment, rows, train_model  # noqa: E402

from donor_rank.io import frames  # noqa: E402
from donor_rank.inference import Ranker  # noqa: E402
from donor_rank.synth import generate  # noqa: E402


def rss_mb() -> float:
    "Resident set size of this process in MiB (Linux)."
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class PeakRSS:
    "Context manager sampling RSS in a thread; `.peak - .base` is what the block added."
    def __enter__(self):
        self.base = self.peak = rss_mb()
        self._stop = False
        def loop():
            while not self._stop:
                self.peak = max(self.peak, rss_mb())
                time.sleep(0.005)
        self._t = threading.Thread(target=loop, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *a):
        self._stop = True
        self._t.join()
        self.peak = max(self.peak, rss_mb())


def make_pool(n: int, seed: int = 0) -> tuple[dict, pd.DataFrame]:
    "One generated patient and `n` donors resampled from 2,000 generated lists (numbers jittered), with ids."
    ds = generate(2000, seed=seed, id_prefix='Q')
    _, base, _ = frames(ds)                                  # one row per generated donor
    rng = np.random.default_rng(seed)
    pool = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    if 'age' in pool:
        pool['age'] = (pool['age'] + rng.integers(-3, 4, n)).clip(18, 61)
    if 'days_to_collection' in pool:
        pool['days_to_collection'] = (pool['days_to_collection'] + rng.integers(-5, 6, n)).clip(7, None)
    pool.insert(0, 'id', pd.Series(np.arange(n)).map('R{:07d}'.format))
    return ds.examples[0]['context'], pool


def lightgbm_ranker(trees: int):
    "LightGBM lambdarank with `trees` trees on 400 generated lists, and its training frame."
    import lightgbm as lgb
    x, y, lengths = rows(generate(400, seed=1))
    ranker = lgb.LGBMRanker(objective='lambdarank', n_estimators=trees, learning_rate=0.05,
                            num_leaves=31, min_child_samples=20, random_state=0, verbose=-1,
                            n_jobs=os.cpu_count())
    ranker.fit(x, y.astype(int), group=lengths)
    return ranker, x


def lightgbm_score(ranker, x_train: pd.DataFrame, ctx: dict, pool: pd.DataFrame) -> np.ndarray:
    "LightGBM's featurisation (patient columns beside each donor, categories aligned) and predict."
    table = pool.drop(columns='id').copy()
    for k, v in ctx.items():
        table[f'ctx_{k}'] = v
    table = align_categories(x_train, table)
    for col in table.columns:
        if table[col].dtype == bool:
            table[col] = table[col].astype(float)
    return ranker.predict(table)


def timed(fn, repeat: int) -> dict:
    "Best wall time of `repeat` calls of `fn`, its CPU time (all threads), the largest peak memory."
    secs, cpu, peak = [], [], 0.0
    for _ in range(repeat):
        with PeakRSS() as mem:
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            secs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        peak = max(peak, mem.peak - mem.base)
    best = int(np.argmin(secs))
    return dict(seconds=round(secs[best], 3), all_seconds=[round(s, 3) for s in secs],
                cpu_seconds=round(cpu[best], 3), peak_mb=round(peak, 1)), out


def scorers(a, ck: Path) -> dict:
    "name -> function(ctx, pool) -> scores, for the paths asked for."
    r = Ranker.load(ck, device=None if a.device == 'auto' else a.device)
    kw = {} if a.chunk is None else dict(chunk=a.chunk)             # default: each scorer's own
    out = {}
    if 'torch' in a.paths:
        out['donor_rank (PyTorch)'] = lambda ctx, pool: r.score_frame(ctx, pool, **kw)
    if 'onnx' in a.paths:
        from donor_rank.inference import OnnxRanker
        path = Path(tempfile.mkdtemp()) / 'model.onnx'
        r.export(path)
        onnx = OnnxRanker(path)
        out['donor_rank (ONNX)'] = lambda ctx, pool: onnx.score_frame(ctx, pool, **kw)
    if 'lightgbm' in a.paths:
        ranker, x_train = lightgbm_ranker(a.trees)
        out[f'LightGBM ({a.trees} trees)'] = lambda ctx, pool: lightgbm_score(ranker, x_train, ctx, pool)
    return out, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--checkpoint', help='a trained checkpoint (default: train the default architecture for 1 epoch)')
    ap.add_argument('--sizes', default='250000,500000,1000000', help='donors in the search, comma-separated')
    ap.add_argument('--chunk', type=int, default=None,
                    help="candidates per model chunk (default: each scorer's own, 8192 for PyTorch, "
                         "65536 for ONNX)")
    ap.add_argument('--repeat', type=int, default=2, help='calls per size and path (best is kept)')
    ap.add_argument('--trees', type=int, default=300, help="LightGBM's trees")
    ap.add_argument('--paths', default='torch,onnx,lightgbm', help='which scorers to time')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'score_pool.json'))
    a = ap.parse_args()
    ck = a.checkpoint
    if ck is None:
        tr, va = generate(200, seed=1), generate(50, seed=2, id_prefix='V')
        _, ck, _ = train_model(tr, va, Path(tempfile.mkdtemp()), epochs=1)
    paths, r = scorers(a, Path(ck))
    sizes = [int(s) for s in a.sizes.split(',')]
    ctx, pool = make_pool(max(sizes))
    load_before = [round(x, 2) for x in os.getloadavg()]          # 1, 5, 15 min: others' load too
    results = []
    for name, fn in paths.items():
        fn(ctx, pool.iloc[:5000])                                             # warm-up
        for n in sizes:
            res, s = timed(lambda: fn(ctx, pool.iloc[:n]), a.repeat)
            results.append(dict(scorer=name, donors=n, **res, finite=bool(np.isfinite(s).all())))
            print(f'{name:>24} {n:>9,} donors: {res["seconds"]:.2f} s (all {res["all_seconds"]}), '
                  f'CPU {res["cpu_seconds"]:.2f} s, peak +{res["peak_mb"]:.0f} MiB', flush=True)
    model = dict(kind=r.model.config['kind'], d=r.model.config['d'])
    doc = dict(benchmark='score_pool', what='one patient against n donors, featurisation included',
               **environment(), model=model, chunk=a.chunk, load_average_before=load_before,
               load_average_after=[round(x, 2) for x in os.getloadavg()], results=results)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(doc, indent=1) + '\n')
    print(f'wrote {a.out}')


if __name__ == '__main__':
    main()
