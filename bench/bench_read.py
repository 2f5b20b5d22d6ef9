"""Read + validate MSLR-WEB30K-shaped LETOR files: donor_rank against scikit-learn's reader.

Generates synthetic LETOR files (grades 0-4, 136 dense features, about 120 documents per query
with MSLR-WEB30K's long tail, up to 1,251) under `bench/out/` (git-ignored; never commit them;
`--clean` deletes them afterwards), then measures each reader in a fresh subprocess: wall time, CPU
time and peak resident memory (`resource.getrusage` max RSS), with the machine's load average
before and after. Optionally trains one epoch on the largest file, also in a fresh process. Writes
`bench/results/read.json`.

    .venv/bin/python bench/bench_read.py --rows 120000 480000 1900000 3700000 \
        --sklearn-max-rows 480000 --timeout 600 --epoch --clean
"""
from __future__ import annotations
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / 'out'
RESULTS = Path(__file__).parent / 'results' / 'read.json'
N_FEATURES = 136
GRADE_P = [0.52, 0.32, 0.13, 0.02, 0.01]  # about MSLR-WEB30K's grade mix


MAX_LIST = 1_251  # MSLR-WEB30K's longest query


def query_lengths(n_rows: int, rng) -> np.ndarray:
    "Documents per query adding up to `n_rows`: log-normal, mean about 120, median 86, 1 to 1,251"
    lens = np.clip(np.round(rng.lognormal(np.log(119.6) - 0.32, 0.8, n_rows // 30 + 10)), 1,
                   MAX_LIST).astype(np.int64)
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


def load() -> list:
    "The 1, 5 and 15 minute load averages (other jobs on the machine inflate wall times)"
    return [float(x) for x in Path('/proc/loadavg').read_text().split()[:3]] if Path(
        '/proc/loadavg').exists() else []


def measure_child(reader: str, path: str) -> None:
    "In the child: read `path` with `reader`, print seconds, CPU seconds and peak RSS as JSON"
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
    "Run `measure_child` (or `epoch_child`) in a fresh process; None figures past `timeout`"
    cmd = [sys.executable, __file__, '--child', reader, str(path)]
    before = load()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {'seconds': None, 'peak_rss_mb': None, 'timed_out_s': timeout,
                'load_before': before, 'load_after': load()}
    return json.loads(out.stdout.strip().splitlines()[-1]) | {'load_before': before,
                                                               'load_after': load()}


def epoch_child(path: str) -> None:
    "In the child: read, featurise and train one epoch (CPU, one thread); print the figures"
    from donor_rank.train import TrainConfig, setup, train_epoch
    t, cpu = time.perf_counter(), time.process_time()
    cfg = TrainConfig(train=path, val='', epochs=1, out=str(OUT / 'run'), progress=False,
                      batch_size=64, threads=1)
    run = setup(cfg)
    t_setup, cpu_setup = time.perf_counter() - t, time.process_time() - cpu
    rss_setup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    loss = train_epoch(run, 0)[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'file': Path(path).name, 'lists': len(run.train_data), 'steps': run.steps,
                      'setup_s': t_setup, 'setup_cpu_s': cpu_setup,
                      'setup_peak_rss_mb': rss_setup, 'loss': float(loss), 'peak_rss_mb': rss,
                      'epoch_s': time.perf_counter() - t - t_setup,
                      'epoch_cpu_s': time.process_time() - cpu - cpu_setup}))


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
    ap.add_argument('--timeout', type=float, default=900, help='seconds allowed per reader call')
    ap.add_argument('--sklearn-max-rows', type=int, default=None,
                    help="skip scikit-learn's reader above this many rows (it would not finish)")
    ap.add_argument('--epoch', action='store_true', help='also train one epoch on the largest file')
    ap.add_argument('--epoch-timeout', type=float, default=1800)
    ap.add_argument('--clean', action='store_true', help='delete the generated files at the end')
    ap.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return epoch_child(a.child[1]) if a.child[0] == 'epoch' else measure_child(*a.child)
    OUT.mkdir(exist_ok=True)
    res = provenance() | {'load_start': load(), 'runs': []}
    paths = []
    for n in a.rows:
        t = time.perf_counter()
        path = generate(n, OUT / f'mslr_like_{n}.txt')
        paths.append(path)
        lens = query_lengths(n, np.random.default_rng(0))   # the draw `generate` made
        row = {'rows': n, 'queries': len(lens), 'mean_list': float(lens.mean()),
               'max_list': int(lens.max()), 'mb': path.stat().st_size / 1e6,
               'generate_s': time.perf_counter() - t}
        for r in a.readers:
            if r == 'sklearn' and a.sklearn_max_rows is not None and n > a.sklearn_max_rows:
                row[r] = {'seconds': None, 'skipped': 'above --sklearn-max-rows'}
                continue
            row[r] = measure(r, path, a.timeout)
        print(json.dumps(row), flush=True)
        res['runs'].append(row)
    if a.epoch:
        res['epoch'] = measure('epoch', OUT / f'mslr_like_{max(a.rows)}.txt', a.epoch_timeout)
        print(json.dumps(res['epoch']), flush=True)
    res['load_end'] = load()
    RESULTS.write_text(json.dumps(res, indent=1) + '\n')
    if a.clean:
        for p in paths:
            p.unlink()


if __name__ == '__main__':
    main()
