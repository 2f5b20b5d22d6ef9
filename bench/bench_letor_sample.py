"""The LETOR sample: NDCG@5 of the model, CatBoost YetiRank and LightGBM on LightGBM's example data.

    .venv/bin/python bench/bench_letor_sample.py --dir PATH [--seeds 3] [--configs ...]
        [--dev-folds 4] [--trees none]

PATH holds `rank.train`, `rank.train.query`, `rank.test` and `rank.test.query` from LightGBM's
repository (`examples/lambdarank`, 201 training and 50 test queries, 300 sparse features, grades 0-4). The
benchmark never downloads them: a user who has the repository points `--dir` at that folder.
The training file's first 160 queries train every ranker, its last 41 are the validation set
(early stopping), and all rankers are scored on the test file's 50 queries with the package's
NDCG@5 (exponential gain). Each ranker runs with seeds 0 to `--seeds` - 1, the model once per
`--configs` entry ('default', or TrainConfig overrides like 'num_embed=piecewise'), and the tree
rankers of `--trees` (CatBoost YetiRank at its defaults and with the settings chosen for it on the
donor worlds' development draws, `catboost_yetirank_tuned`; LightGBM lambdarank); the summary
gives the mean over seeds and the paired difference, each model config minus each tree ranker,
with a 95% t interval over the test queries (each query's NDCG@5 averaged over the seeds first,
Bonferroni over the rankers set against each peer): with 50 test queries, only a difference
whose interval excludes zero is a win or a loss, the rest is a tie.
`--dev-folds K` is the development mode that choices are made in: `rank.test` is never read;
the training file's 201 queries are cut into K contiguous folds, each fold in turn is the test
set, and of the rest the last fifth validates and the others train.
Writes bench/out/letor_sample.json with the machine, library versions and commit.
"""
from __future__ import annotations
import argparse, json, sys, tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from common import PEERS, environment, lightgbm_scores, overrides, pad  # noqa: E402

from donor_rank.features import Featurizer  # noqa: E402
from donor_rank.inference import Ranker  # noqa: E402
from donor_rank.io import read_svmlight  # noqa: E402
from donor_rank.metrics import get_metric  # noqa: E402
from donor_rank.study import paired_diffs  # noqa: E402
from donor_rank.train import TrainConfig, train  # noqa: E402


def write_queries(src: Path, parts: dict, dst: Path) -> dict:
    "Write the queries of `src` numbered in each `parts[name]` to `dst/name` with a `.query` sidecar."
    sizes = [int(s) for s in Path(str(src) + '.query').read_text().split()]
    lines = src.read_text().splitlines(keepends=True)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    out = {}
    for name, queries in parts.items():
        rows = [ln for q in queries for ln in lines[starts[q]:starts[q + 1]]]
        (dst / name).write_text(''.join(rows))
        (dst / f'{name}.query').write_text('\n'.join(str(sizes[q]) for q in queries) + '\n')
        out[name] = dst / name
    return out


def splits(src: Path, dst: Path, train_queries: int, dev_folds: int) -> list[dict]:
    "Per split, the train, val and test files: the benchmark's one split, or `dev_folds` folds."
    n = len(Path(str(src / 'rank.train') + '.query').read_text().split())
    if not dev_folds:
        parts = {'train.txt': range(train_queries), 'val.txt': range(train_queries, n)}
        files = write_queries(src / 'rank.train', parts, dst)
        return [dict(train=files['train.txt'], val=files['val.txt'], test=src / 'rank.test')]
    out = []
    for k, fold in enumerate(np.array_split(np.arange(n), dev_folds)):
        rest = np.setdiff1d(np.arange(n), fold)
        cut = len(rest) - len(rest) // 5
        parts = {f'train{k}.txt': rest[:cut], f'val{k}.txt': rest[cut:], f'test{k}.txt': fold}
        files = write_queries(src / 'rank.train', parts, dst)
        out.append({s: files[f'{s}{k}.txt'] for s in ('train', 'val', 'test')})
    return out


def ndcg5(ds, scores: list[np.ndarray]) -> np.ndarray:
    "NDCG@5 of each list's `scores` on `ds` (NaN for a list without a relevant document)."
    b = Featurizer().fit(ds).encode(ds)
    s = pad(scores)[:, :b.mask.shape[1]]                                  # (lists, longest)
    return get_metric('ndcg@5')(s, b.target, b.mask).float().numpy()


def query_intervals(per_query: list[dict], configs: list, peers: tuple) -> dict:
    "Each config minus each peer: mean NDCG@5 difference and 95% t interval over the queries."
    df = pd.DataFrame(per_query).groupby(['query', 'ranker'], as_index=False).ndcg5.mean()
    out = {}
    for p in peers:
        tab = paired_diffs(df, 'ndcg5', 'ranker', p, pair='query')
        for config in configs:
            if config in tab.index:
                out[f'{config} - {p}'] = {k: float(tab.loc[config, k])
                                          for k in ('n', 'diff', 'lo', 'hi', 'p_holm')}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dir', required=True, help="folder with LightGBM's examples/lambdarank files")
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--train-queries', type=int, default=160)
    ap.add_argument('--configs', nargs='+', default=['default'],
                    help="model configs: 'default' or comma-separated TrainConfig overrides")
    ap.add_argument('--dev-folds', type=int, default=0,
                    help='development mode: K folds of the training file, rank.test never read')
    ap.add_argument('--trees', default='catboost_yetirank,catboost_yetirank_tuned,lightgbm',
                    help="tree rankers, or 'none'")
    ap.add_argument('--out', default=str(Path(__file__).parent / 'out' / 'letor_sample.json'))
    a = ap.parse_args()
    for c in a.configs:
        overrides(c)                                        # fail now on a bad override
    peers = () if a.trees == 'none' else tuple(a.trees.split(','))
    rows, per_query = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for fold, paths in enumerate(splits(Path(a.dir), tmp, a.train_queries, a.dev_folds)):
            tr, va, te = (read_svmlight(paths[s]) for s in ('train', 'val', 'test'))
            for seed in range(a.seeds):
                scores = {}
                for k, config in enumerate(a.configs):
                    out = tmp / f'run{fold}_{seed}_{k}'
                    train(TrainConfig(train=str(paths['train']), val=str(paths['val']), out=str(out),
                                      seed=seed, progress=False, **overrides(config)))
                    scores[config] = ndcg5(te, Ranker.load(out / 'best_model.pt').score(te))
                for p in (q for q in peers if q in PEERS):           # CatBoosts, XGBoost
                    scores[p] = ndcg5(te, PEERS[p](tr, va, te, seed))
                if 'lightgbm' in peers:
                    scores['lightgbm'] = ndcg5(te, lightgbm_scores(tr, te, seed))
                row = {'fold': fold, 'seed': seed}
                row.update({k: float(np.nanmean(v)) for k, v in scores.items()})
                rows.append(row)
                per_query += [{'query': f'{fold}:{q}', 'ranker': k, 'ndcg5': float(x)}
                              for k, v in scores.items() for q, x in enumerate(v)]
                print(json.dumps(row), flush=True)
    if not peers:                                           # configs against the first one
        peers = a.configs[:1]
    summary = {k: float(np.mean([r[k] for r in rows])) for k in (*a.configs, *peers)}
    for config in a.configs:
        for p in (q for q in peers if q != config):
            d = np.array([r[config] - r[p] for r in rows])
            summary[f'{config} - {p}'] = float(d.mean())
            summary[f'{config}: runs ahead of {p}'] = int((d > 0).sum())
    summary['95% intervals over queries'] = query_intervals(per_query, a.configs, peers)
    out = Path(a.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**environment(), 'dev_folds': a.dev_folds, 'runs': rows,
                               'summary': summary}, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
