"""Time the generator: 100,000 patients x 10 candidates in memory (target: under 10 s), then writing JSON and JSONL.

Usage: python bench/bench_generate.py [--n 100000] [--out bench/out]
"""
import argparse, gc, time
from pathlib import Path
from donor_rank.io import write_dataset
from donor_rank.synth import generate

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=100_000); p.add_argument('--out', default='bench/out')
    p.add_argument('--no-write', action='store_true', help='time generation only')
    a = p.parse_args()
    generate(1000, seed=1)                                   # warm up imports and caches
    gc.collect()
    t0 = time.perf_counter(); ds = generate(a.n, seed=0); gen_s = time.perf_counter() - t0
    n_cand = sum(len(e['candidates']) for e in ds)
    print(f'generate: {a.n:,} patients x 10 candidates ({n_cand:,} donors) in {gen_s:.2f} s (required < 10 s)')
    if not a.no_write:
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        for ext in ('json', 'jsonl'):
            t0 = time.perf_counter(); path = write_dataset(ds, out / f'bench_generate.{ext}'); w = time.perf_counter() - t0
            print(f'write_dataset {ext}: {w:.2f} s, {path.stat().st_size / 1e6:.0f} MB -> {path}')
