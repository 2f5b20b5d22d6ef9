"""Read + validate + featurise a generated JSON / JSONL data set: the dict path against the columns.

Generates `donor_rank_generate` output (100,000 patients x 10 donors by default) under `bench/out/`
(git-ignored; never commit it), then measures in a fresh process per run, best of `--repeat`:

- `dicts`: what `read_json` / `read_jsonl` did before: parse, `validate_dataset` on the example
  dicts, then `Featurizer.fit` and `encode` from the dicts (DataFrames built from them, twice);
- `columns`: `read_dataset` as it is now (parsed examples straight to `Columns`), then `fit` and
  `encode` from the columns.

Each run reports read (+validate) seconds, fit + encode seconds, the total and the peak resident
memory (`resource.getrusage` max RSS), and checks that both paths give the same featurizer and
batch. Writes `bench/results/read_json.json` (machine, torch version, commit).

    .venv/bin/python bench/bench_read_json.py [--patients 100000] [--donors 10] [--repeat 2]
"""
from __future__ import annotations
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path

OUT = Path(__file__).parent / 'out' / 'read_json'
RESULTS = Path(__file__).parent / 'results' / 'read_json.json'


def generate(patients: int, donors: int) -> dict:
    "The generated train files (.json and .jsonl) of `patients` x `donors`, made once"
    paths = {}
    for fmt in ('json', 'jsonl'):
        folder = OUT / f'{patients}x{donors}_{fmt}'
        path = folder / f'donor_selection_train.{fmt}'
        if not path.exists():
            bin_ = Path(sys.executable).parent / 'donor_rank_generate'
            subprocess.run([str(bin_), '--n-train', str(patients), '--n-val', '10', '--n-test', '10',
                            '--seed', '0', '--min-candidates', str(donors), '--max-candidates',
                            str(donors), '--format', fmt, '--out', str(folder)], check=True)
        paths[fmt] = path
    return paths


def _dict_dataset(path: str):
    "The data set as the readers built it before: example dicts, validated one by one"
    from donor_rank.io import _check_header, _loads, _read_text, _FILE_KEYS, gc_paused
    from donor_rank.schema import Dataset, validate_dataset
    with gc_paused():
        if path.endswith('.jsonl'):
            lines = _read_text(path).split('\n')
            hdr = _loads(lines[0], path)
            tt = _check_header(hdr, path, None, _FILE_KEYS)
            exs = [_loads(l, path) for l in lines[1:] if l.strip()]
        else:
            doc = _loads(_read_text(path), path)
            tt, exs = doc['task_type'], doc['examples']
        return validate_dataset(Dataset(exs, tt), file=path)


def child(path_: str, mode: str, check: bool) -> None:
    "In the child: read, fit and encode `path_` by `mode`; print the figures as JSON"
    from donor_rank.io import read_dataset
    from donor_rank.features import Featurizer
    t = time.perf_counter()
    ds = _dict_dataset(path_) if mode == 'dicts' else read_dataset(path_)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    feat = Featurizer().fit(ds)
    batch = feat.encode(ds)
    t_enc = time.perf_counter() - t
    res = {'read_s': t_read, 'fit_encode_s': t_enc, 'total_s': t_read + t_enc,
           'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           'columnar': ds.is_columnar, 'lists': len(batch)}
    if check:                                        # the other path gives the same tensors
        import dataclasses, torch
        exs = ds.examples
        feat2 = Featurizer().fit(exs)
        b2 = feat2.encode(exs)
        same = feat.state_dict() == feat2.state_dict() and all(
            torch.equal(getattr(batch, f.name).nan_to_num(7), getattr(b2, f.name).nan_to_num(7))
            for f in dataclasses.fields(batch))
        res['same_as_dict_path'] = same
    print(json.dumps(res))


def measure(path: Path, mode: str, check: bool = False) -> dict:
    "Run `child` in a fresh process"
    cmd = [sys.executable, __file__, '--child', str(path), mode] + (['--check'] if check else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def provenance() -> dict:
    "Machine, torch version and commit of this measurement"
    import torch
    commit = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout
    return {'machine': f'{platform.node()} {platform.machine()} {platform.processor()}'.strip(),
            'cpus': os.cpu_count(), 'python': platform.python_version(),
            'torch': torch.__version__, 'commit': commit.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--patients', type=int, default=100_000)
    ap.add_argument('--donors', type=int, default=10)
    ap.add_argument('--repeat', type=int, default=2, help='runs per path and format; best kept')
    ap.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    ap.add_argument('--check', action='store_true', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(*a.child, a.check)
    paths = generate(a.patients, a.donors)
    res = provenance() | {'patients': a.patients, 'donors': a.donors, 'repeat': a.repeat,
                          'command': 'bench/bench_read_json.py ' + ' '.join(sys.argv[1:]),
                          'runs': {}}
    for fmt, path in paths.items():
        row = {'mb': round(path.stat().st_size / 1e6, 1)}
        for mode in ('dicts', 'columns'):
            runs = [measure(path, mode, check=(mode == 'columns' and r == 0))
                    for r in range(a.repeat)]
            best = min(runs, key=lambda r: r['total_s'])
            best['all_total_s'] = [round(r['total_s'], 2) for r in runs]
            best['same_as_dict_path'] = runs[0].get('same_as_dict_path')
            row[mode] = best
        print(fmt, json.dumps(row), flush=True)
        res['runs'][fmt] = row
    RESULTS.write_text(json.dumps(res, indent=1) + '\n')


if __name__ == '__main__':
    main()
