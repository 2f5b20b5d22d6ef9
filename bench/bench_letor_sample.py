"""The LETOR sample: NDCG@5 of the model, CatBoost YetiRank and LightGBM on LightGBM's example data.

    .venv/bin/python bench/bench_letor_sample.py --dir PATH [--seeds 3] [--variant ...]

PATH holds `rank.train`, `rank.train.query`, `rank.test` and `rank.test.query` from LightGBM's
repository (`examples/lambdarank`, 201 training and 50 test queries, 46 features, grades 0-4). The
benchmark never downloads them: a user who has the repository points `--dir` at that folder.
The training file's first 160 queries train every ranker, its last 41 are the validation set
(early stopping), and all rankers are scored on the test file's 50 queries with the package's
NDCG@5 (exponential gain). Each ranker runs with seeds 0 to `--seeds` - 1, the model once per
`--configs` entry ('default', or TrainConfig overrides like 'num_embed=piecewise'); the summary
gives the mean over seeds and the paired difference, each model config minus each tree ranker.
Writes bench/out/letor_sample.json with the machine, library versions and commit.
"""
from __future__ import annotations
import argparse, json, sys, tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import catboost_scores, environment, lightgbm_scores, overrides, pad  # noqa: E402

from donor_rank.features import Featurizer  # noqa: E402
from donor_rank.inference import Ranker  # noqa: E402
from donor_rank.io import read_svmlight  # noqa: E402
from donor_rank.metrics import get_metric  # noqa: E402
from donor_rank.train import TrainConfig, train  # noqa: E402


def split_queries(src: Path, dst: Path, n_train: int) -> tuple[Path, Path]:
    "Write `src`'s first `n_train` queries and the rest as two files with `.query` sidecars."
    sizes = [int(s) for s in Path(str(src) + '.query').read_text().split()]
    lines = src.read_text().splitlines(keepends=True)
    cut = sum(sizes[:n_train])
    parts = {'train.txt': (lines[:cut], sizes[:n_train]), 'val.txt': (lines[cut:], sizes[n_train:])}
    for name, (rows, groups) in parts.items():
        (dst / name).write_text(''.join(rows))
        (dst / f'{name}.query').write_text('\n'.join(map(str, groups)) + '\n')
    return dst / 'train.txt', dst / 'val.txt'


def ndcg5(ds, scores: list[np.ndarray]) -> float:
    "Mean NDCG@5 of per-list `scores` on `ds` (lists without a relevant document left out)."
    b = Featurizer().fit(ds).encode(ds)
    s = pad(scores)[:, :b.mask.shape[1]]                                  # (lists, longest)
    per_list = get_metric('ndcg@5')(s, b.target, b.mask)
    return float(torch.nanmean(per_list.float()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dir', required=True, help="folder with LightGBM's examples/lambdarank files")
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--train-queries', type=int, default=160)
    ap.add_argument('--configs', nargs='+', default=['default'],
                    help="model configs: 'default' or comma-separated TrainConfig overrides")
    ap.add_argument('--out', default=str(Path(__file__).parent / 'out' / 'letor_sample.json'))
    a = ap.parse_args()
    src = Path(a.dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tr_path, va_path = split_queries(src / 'rank.train', tmp, a.train_queries)
        tr, va, te = read_svmlight(tr_path), read_svmlight(va_path), read_svmlight(src / 'rank.test')
        for seed in range(a.seeds):
            row = {'seed': seed}
            for k, config in enumerate(a.configs):
                out = tmp / f'run{seed}_{k}'
                train(TrainConfig(train=str(tr_path), val=str(va_path), out=str(out), seed=seed,
                                  progress=False, **overrides(config)))
                row[config] = ndcg5(te, Ranker.load(out / 'best_model.pt').score(te))
            row['catboost_yetirank'] = ndcg5(te, catboost_scores(tr, va, te, seed))
            row['lightgbm'] = ndcg5(te, lightgbm_scores(tr, te, seed))
            rows.append(row)
            print(json.dumps(row))
    peers = ('catboost_yetirank', 'lightgbm')
    summary = {k: float(np.mean([r[k] for r in rows])) for k in (*a.configs, *peers)}
    for config in a.configs:
        for p in peers:
            d = np.array([r[config] - r[p] for r in rows])
            summary[f'{config} - {p}'] = float(d.mean())
            summary[f'{config}: seeds ahead of {p}'] = int((d > 0).sum())
    out = Path(a.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**environment(), 'queries': {'train': len(tr), 'val': len(va),
                               'test': len(te)}, 'runs': rows, 'summary': summary}, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
