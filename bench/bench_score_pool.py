"""Score a registry search: one patient against 1,000,000 donors with `Ranker.score_frame`.

Prints the wall time and the peak memory the call added (resident set size sampled every 5 ms,
and CUDA's peak allocation on a GPU). Uses the public API only.

    .venv/bin/python bench/bench_score_pool.py                      # trains a default-width model for 1 epoch first
    .venv/bin/python bench/bench_score_pool.py --checkpoint checkpoints/best_model.pt --n 1000000 --chunk 65536
    .venv/bin/python bench/bench_score_pool.py --check               # also: chunked == one pass on the whole pool
    .venv/bin/python bench/bench_score_pool.py --cache               # also: the model passes with pass 1 kept vs recomputed
"""
from __future__ import annotations
import argparse, os, sys, tempfile, threading, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import train_model  # noqa: E402

from donor_rank.io import frames  # noqa: E402
from donor_rank.inference import Ranker  # noqa: E402
from donor_rank.synth import generate  # noqa: E402


def rss_mb() -> float:
    "Resident set size of this process in MiB (Linux)."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class PeakRSS:
    "Context manager sampling RSS in a thread; `.peak - .base` is what the block added."
    def __enter__(self):
        self.base = self.peak = rss_mb(); self._stop = False
        def loop():
            while not self._stop: self.peak = max(self.peak, rss_mb()); time.sleep(0.005)
        self._t = threading.Thread(target=loop, daemon=True); self._t.start()
        return self
    def __exit__(self, *a):
        self._stop = True; self._t.join(); self.peak = max(self.peak, rss_mb())


def make_pool(n: int, seed: int = 0) -> tuple[dict, pd.DataFrame]:
    "One generated patient and `n` donors resampled from 2,000 generated lists (numbers jittered), with ids."
    ds = generate(2000, seed=seed, id_prefix='Q')
    _, base, _ = frames(ds)                                  # one row per generated donor
    rng = np.random.default_rng(seed)
    pool = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    if 'age' in pool: pool['age'] = (pool['age'] + rng.integers(-3, 4, n)).clip(18, 61)
    if 'days_to_collection' in pool: pool['days_to_collection'] = (pool['days_to_collection'] + rng.integers(-5, 6, n)).clip(7, None)
    pool.insert(0, 'id', pd.Series(np.arange(n)).map('R{:07d}'.format))
    return ds.examples[0]['context'], pool


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--checkpoint', help='a trained checkpoint (default: train the default architecture for 1 epoch)')
    ap.add_argument('--n', type=int, default=1_000_000, help='donors in the search')
    ap.add_argument('--chunk', type=int, default=65536, help='candidates per model chunk')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--check', action='store_true', help='also compare with one unchunked pass (needs more memory)')
    ap.add_argument('--cache', action='store_true', help="also time the model alone with pass 1 kept (default) and recomputed (cache_mb=0)")
    a = ap.parse_args()
    ck = a.checkpoint
    if ck is None:
        tr, va = generate(200, seed=1), generate(50, seed=2, id_prefix='V')
        _, ck, _ = train_model(tr, va, Path(tempfile.mkdtemp()), epochs=1)
    r = Ranker.load(ck, device=None if a.device == 'auto' else a.device)
    t0 = time.perf_counter(); ctx, pool = make_pool(a.n); t_pool = time.perf_counter() - t0
    r.score_frame(ctx, pool.iloc[:5000], chunk=a.chunk)                       # warm-up
    if r.device.type == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        s = r.score_frame(ctx, pool, chunk=a.chunk)
        if r.device.type == 'cuda': torch.cuda.synchronize()
        secs = time.perf_counter() - t0
    top = pool['id'].to_numpy()[np.argsort(-s, kind='stable')[:5]].tolist()        # what rank_frame(top=5) returns
    print(f'device {r.device}, torch threads {torch.get_num_threads()}, model {r.model.config["kind"]} d={r.model.config["d"]}')
    print(f'pool: {a.n:,} donors x {pool.shape[1] - 1} features, built in {t_pool:.1f}s, frame {pool.memory_usage(deep=True).sum() / 2**20:.0f} MiB')
    print(f'score_frame(chunk={a.chunk}): {secs:.2f} s ({a.n / secs:,.0f} donors/s); '
          f'peak RSS added {mem.peak - mem.base:.0f} MiB (RSS {mem.base:.0f} -> {mem.peak:.0f} MiB)'
          + (f'; CUDA peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB' if r.device.type == 'cuda' else ''))
    print(f'scores: finite {bool(np.isfinite(s).all())}, std {s.std():.3f}; top 5: {top}')
    if a.cache:
        b = r.encode_frame(ctx, pool)
        for mb in (0, 1024, 0, 1024):                                           # alternate, so drift hits both
            with PeakRSS() as m2:
                t0 = time.perf_counter(); s2 = r.model.score_chunked(b.to(r.device), a.chunk, cache_mb=mb)
                if r.device.type == 'cuda': torch.cuda.synchronize()
                t2 = time.perf_counter() - t0
            print(f'model only, cache_mb={mb}: {t2:.2f} s, peak RSS added {m2.peak - m2.base:.0f} MiB; '
                  f'max |diff to score_frame| = {np.abs(s2[0].float().cpu().numpy() - s).max():.2e}')
    if a.check:
        t0 = time.perf_counter(); one = r.score_frame(ctx, pool, chunk=a.n); t1 = time.perf_counter() - t0
        print(f'one pass (chunk={a.n}): {t1:.2f} s; max |chunked - one pass| = {np.abs(one - s).max():.2e}')


if __name__ == '__main__':
    main()
