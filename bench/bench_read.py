"""Read + validate MSLR-WEB30K-shaped LETOR files: donor_rank against scikit-learn's reader.

Generates synthetic LETOR files (grades 0-4, 136 dense features, ~120 documents per query) under
`bench/out/` (git-ignored; never commit them), then measures each reader in a fresh subprocess:
wall time and peak resident memory (`resource.getrusage` max RSS). Optionally trains one epoch on
the largest file. Writes `bench/results/read.json`.

    .venv/bin/python bench/bench_read.py --rows 120000 240000 480000 960000 --epoch
"""
from __future__ import annotations
import argparse, json, platform, resource, subprocess, sys, time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / 'out'
RESULTS = Path(__file__).parent / 'results' / 'read.json'
N_FEATURES = 136
GRADE_P = [0.52, 0.32, 0.13, 0.02, 0.01]  # about MSLR-WEB30K's grade mix


def query_lengths(n_rows: int, rng) -> np.ndarray:
    "Documents per query (60..180, about 120) adding up to `n_rows`"
    lens = rng.integers(60, 181, n_rows // 60 + 1)
    lens = lens[: int(np.searchsorted(np.cumsum(lens), n_rows)) + 1]
    lens[-1] -= lens.sum() - n_rows
    return lens[lens > 0]


def template() -> tuple[bytes, list, int, list]:
    "A fixed-width line `g qid:QQQQQQ 1:d.ddd ... 136:d.ddd` and where its digits go"
    head = b'0 qid:000000'
    parts, digits, at = [head], [], len(head)
    for k in range(1, N_FEATURES + 1):
        tok = f' {k}:'.encode()
        parts.append(tok + b'0.000')
        at += len(tok)
        digits.append([at, at + 2, at + 3, at + 4])
        at += 5
    parts.append(b'\n')
    return b''.join(parts), digits, at + 1, list(range(6, 12))


def lines(grades: np.ndarray, qids: np.ndarray, values: np.ndarray) -> bytes:
    "LETOR lines for grades (n,), qids (n,) and values (n, 136) in [0, 10000) (as d.ddd)"
    tpl, digits, width, qpos = template()
    buf = np.tile(np.frombuffer(tpl, np.uint8), (len(grades), 1))  # (n, width)
    buf[:, 0] = 48 + grades
    for i, p in enumerate(qpos):
        buf[:, p] = 48 + (qids // 10 ** (5 - i)) % 10
    for k, (a, b, c, d) in enumerate(digits):
        v = values[:, k]
        buf[:, a], buf[:, b], buf[:, c], buf[:, d] = (
            48 + v // 1000, 48 + v // 100 % 10, 48 + v // 10 % 10, 48 + v % 10)
    return buf.tobytes()


def generate(n_rows: int, path: Path, seed: int = 0, chunk: int = 50_000) -> Path:
    "Write an MSLR-shaped LETOR file of `n_rows` lines to `path` in chunks (skipped if present)"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    lens = query_lengths(n_rows, rng)
    qids = np.repeat(np.arange(len(lens)), lens)
    tmp = path.with_suffix('.tmp')
    with open(tmp, 'wb') as f:
        for s in range(0, n_rows, chunk):
            n = min(chunk, n_rows - s)
            g = rng.choice(5, n, p=GRADE_P)
            v = rng.integers(0, 10_000, (n, N_FEATURES))
            v[:, :8] = np.clip(v[:, :8] // 3 + g[:, None] * 1500, 0, 9999)  # some signal
            v[:, 100:] *= rng.random((n, N_FEATURES - 100)) < 0.3           # sparse-ish tail
            f.write(lines(g, qids[s : s + n], v))
    tmp.replace(path)
    return path


def measure_child(reader: str, path: str) -> None:
    "In the child: read `path` with `reader`, print seconds and peak RSS as JSON"
    from sklearn.datasets import load_svmlight_file
    from donor_rank.io import read_dataset
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, cpu = time.perf_counter(), time.process_time()
    if reader == 'sklearn':
        n = load_svmlight_file(path, query_id=True, zero_based=True)[0].shape[0]
    else:
        n = int(read_dataset(path).columns.offsets[-1])
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'seconds': secs, 'cpu_s': cpu, 'peak_rss_mb': rss, 'import_rss_mb': base,
                      'rows': n}))


def measure(reader: str, path: Path, timeout: float) -> dict:
    "Run `measure_child` in a fresh process; None figures when it ran past `timeout`"
    cmd = [sys.executable, __file__, '--child', reader, str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {'seconds': None, 'peak_rss_mb': None, 'timed_out_s': timeout}
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_epoch(path: Path) -> dict:
    "Read, featurise and train one epoch (CPU) on `path`; seconds and peak RSS"
    from donor_rank.train import TrainConfig, setup, train_epoch
    t = time.perf_counter()
    cfg = TrainConfig(train=str(path), val='', epochs=1, out=str(OUT / 'run'), progress=False,
                      batch_size=64, threads=0)
    run = setup(cfg)
    t_setup = time.perf_counter() - t
    loss = train_epoch(run, 0)[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {'file': path.name, 'setup_s': t_setup, 'loss': float(loss), 'peak_rss_mb': rss,
            'epoch_s': time.perf_counter() - t - t_setup}


def provenance() -> dict:
    "Machine, torch version and commit of this measurement"
    import torch
    commit = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout
    return {'machine': f'{platform.node()} {platform.machine()} {platform.processor()}'.strip(),
            'cpus': __import__('os').cpu_count(), 'python': platform.python_version(),
            'torch': torch.__version__, 'commit': commit.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rows', type=int, nargs='+', default=[120_000, 240_000, 480_000, 960_000])
    ap.add_argument('--readers', nargs='+', default=['donor_rank', 'sklearn'])
    ap.add_argument('--timeout', type=float, default=900)
    ap.add_argument('--epoch', action='store_true', help='also train one epoch on the largest file')
    ap.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return measure_child(*a.child)
    OUT.mkdir(exist_ok=True)
    res = provenance() | {'runs': []}
    for n in a.rows:
        t = time.perf_counter()
        path = generate(n, OUT / f'mslr_like_{n}.txt')
        row = {'rows': n, 'mb': path.stat().st_size / 1e6, 'generate_s': time.perf_counter() - t}
        for r in a.readers:
            row[r] = measure(r, path, a.timeout)
        print(json.dumps(row), flush=True)
        res['runs'].append(row)
    if a.epoch:
        res['epoch'] = one_epoch(OUT / f'mslr_like_{max(a.rows)}.txt')
        print(json.dumps(res['epoch']), flush=True)
    RESULTS.write_text(json.dumps(res, indent=1) + '\n')


if __name__ == '__main__':
    main()
