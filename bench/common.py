"""Shared pieces of the benchmarks: LightGBM on the package's frames, metrics, and a trained model.

Only the package's public API is used, so the benchmarks measure what a user gets.
"""
from __future__ import annotations
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.special import softmax

from donor_rank.features import Featurizer
from donor_rank.io import frames
from donor_rank.inference import Ranker
from donor_rank.io import write_dataset
from donor_rank.metrics import compute_metrics
from donor_rank.train import TrainConfig, train


def rows(ds) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    "One row per candidate (context features prefixed `ctx_`), its graded relevance, list lengths."
    context, candidates, lengths = frames(ds)
    example = np.repeat(np.arange(len(lengths)), lengths)
    ctx_rows = context.add_prefix('ctx_').iloc[example].reset_index(drop=True)
    table = pd.concat([ctx_rows, candidates.reset_index(drop=True)], axis=1)
    for col in table.columns:
        if table[col].dtype == bool:
            table[col] = table[col].astype(float)
        elif not pd.api.types.is_numeric_dtype(table[col]):
            table[col] = table[col].astype('category')
    relevance = []
    for ex in ds.examples:
        n = len(ex['candidates'])
        relevance += ex.get('relevance') or [int(j == ex.get('label')) for j in range(n)]
    return table, np.asarray(relevance, dtype=float), lengths


def align_categories(train: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    "Give `other` the training frame's columns and category sets (LightGBM needs the same codes)."
    other = other.reindex(columns=train.columns)
    for col in train.columns:
        if isinstance(train[col].dtype, pd.CategoricalDtype):
            categories = train[col].cat.categories
            other[col] = pd.Categorical(other[col].astype(object), categories=categories)
        else:
            other[col] = pd.to_numeric(other[col], errors='coerce')
    return other


def lightgbm_scores(tr, te, seed: int = 0, **params) -> list[np.ndarray]:
    "Train LightGBM's lambdarank on `tr`'s rows; one score array per list of `te`."
    import lightgbm as lgb
    x_train, y_train, len_train = rows(tr)
    x_test, _, len_test = rows(te)
    x_test = align_categories(x_train, x_test)
    kw = dict(objective='lambdarank', n_estimators=300, learning_rate=0.05, num_leaves=31,
              min_child_samples=20, random_state=seed, verbose=-1, n_jobs=2)
    kw.update(params)
    ranker = lgb.LGBMRanker(**kw)
    ranker.fit(x_train, y_train.astype(int), group=len_train)
    return split_scores(ranker.predict(x_test), len_test)


def split_scores(scores: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    "One score array per list from scores of the flattened rows."
    return np.split(np.asarray(scores, dtype=float), np.cumsum(lengths)[:-1])


def catboost_scores(tr, va, te, seed: int = 0, loss: str = 'YetiRank', iterations: int = 1000,
                    depth: int = 6, od_wait: int = 50) -> list[np.ndarray]:
    "CatBoost ranker (`YetiRank` or `YetiRankPairwise`) on graded relevance, early-stopped on `va`."
    from catboost import CatBoostRanker, Pool
    x_train, y_train, len_train = rows(tr)
    x_val, y_val, len_val = rows(va)
    x_test, _, len_test = rows(te)
    cats = [c for c in x_train.columns if isinstance(x_train[c].dtype, pd.CategoricalDtype)]
    def pool(x, y, lengths):
        x = x.reindex(columns=x_train.columns).copy()
        for c in cats:
            x[c] = x[c].astype(object).where(x[c].notna(), 'missing').astype(str)
        groups = np.repeat(np.arange(len(lengths)), lengths)
        return Pool(x, label=y, group_id=groups, cat_features=cats)
    model = CatBoostRanker(loss_function=loss, iterations=iterations, depth=depth, random_seed=seed,
                           thread_count=2, verbose=False, od_type='Iter', od_wait=od_wait,
                           eval_metric='NDCG:top=10', use_best_model=True,
                           allow_writing_files=False)
    model.fit(pool(x_train, y_train, len_train), eval_set=pool(x_val, y_val, len_val))
    return split_scores(model.predict(pool(x_test, None, len_test)), len_test)


CATBOOST_TUNED = dict(depth=4, od_wait=200, iterations=3000)
"""YetiRank settings chosen on development draws 200-205 at 2,000 lists by expected top-1, as the
model's defaults were (bench/results/defaults_dev.json, key `catboost_dev`): trees of depth 4, and
early stopping after 200 rounds without gain instead of 50, which stopped on the noise of a small
validation set; 3,000 rounds, since that patience ran into the 1,000-round cap."""


def xgboost_scores(tr, va, te, seed: int = 0, n_estimators: int = 1000) -> list[np.ndarray]:
    "XGBoost's `rank:ndcg` on graded relevance with native categories, early-stopped on `va`."
    import xgboost as xgb
    x_train, y_train, len_train = rows(tr)
    x_val, y_val, len_val = rows(va)
    x_test, _, len_test = rows(te)
    x_val = align_categories(x_train, x_val)
    x_test = align_categories(x_train, x_test)
    qid = lambda lengths: np.repeat(np.arange(len(lengths)), lengths)
    model = xgb.XGBRanker(objective='rank:ndcg', tree_method='hist', enable_categorical=True,
                          n_estimators=n_estimators, learning_rate=0.05, max_depth=6,
                          early_stopping_rounds=50, eval_metric='ndcg@10', random_state=seed,
                          n_jobs=2)
    model.fit(x_train, y_train, qid=qid(len_train), eval_set=[(x_val, y_val)],
              eval_qid=[qid(len_val)], verbose=False)
    return split_scores(model.predict(x_test), len_test)


PEERS = {'catboost_yetirank': lambda tr, va, te, seed: catboost_scores(tr, va, te, seed),
         'catboost_yetirank_pairwise': lambda tr, va, te, seed: catboost_scores(
             tr, va, te, seed, loss='YetiRankPairwise'),
         'catboost_yetirank_tuned': lambda tr, va, te, seed: catboost_scores(
             tr, va, te, seed, **CATBOOST_TUNED),
         'xgboost_ndcg': xgboost_scores}
"The tree rankers benchmarked beside the model: name -> `f(tr, va, te, seed)` -> scores per list."


def pad(scores: list[np.ndarray]) -> torch.Tensor:
    "Per-list score arrays as one `(lists, longest)` tensor, -inf in the padding."
    longest = max(len(s) for s in scores)
    out = torch.full((len(scores), longest), float('-inf'))
    for i, s in enumerate(scores):
        out[i, :len(s)] = torch.as_tensor(np.asarray(s, dtype=np.float32))
    return out


def metrics_for(ds, scores: list[np.ndarray]) -> dict:
    "The package's metrics for per-list scores of any scorer on `ds` (targets: its own featurizer)."
    b = Featurizer().fit(ds).encode(ds)
    s = pad(scores)[:, :b.mask.shape[1]]                              # (lists, longest)
    return compute_metrics(s, b.target, b.mask, utility=b.utility)


def expected_hits(ds, scores: list[np.ndarray], noise: float) -> np.ndarray:
    """Per list, the chance that its top-scored candidate is the choice made with Gumbel noise of
    scale `noise` on the true utility: softmax(utility / noise) there (ties: the least likely)."""
    p = []
    for ex, s in zip(ds, scores):
        q = softmax(np.asarray(ex['utility'], float) / noise)       # chance each is the recorded choice
        s = np.asarray(s, float)
        p.append(q[s == s.max()].min())
    return np.asarray(p)


def expected_top1(ds, scores: list[np.ndarray], noise: float) -> float:
    "Top-1 against a choice made with Gumbel noise, in expectation over it: `expected_hits`' mean."
    return float(expected_hits(ds, scores, noise).mean())


def evaluate(ranker: Ranker, ds) -> dict:
    "The package's metrics of a trained `Ranker` on `ds` (`Ranker.evaluate`, as donor_rank_evaluate)."
    return ranker.evaluate(ds).metrics


def train_model(tr, va, d: Path, **cfg) -> tuple[dict, Path, float]:
    "Write `tr`, `va` into `d`, train with `TrainConfig(**cfg)`; (result, checkpoint, seconds)."
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    write_dataset(tr, d / 'train.json')
    write_dataset(va, d / 'val.json')
    config = TrainConfig(train=str(d / 'train.json'), val=str(d / 'val.json'), out=str(d / 'run'),
                         progress=False, **cfg)
    t0 = time.perf_counter()
    res = train(config)
    return res, d / 'run' / 'best_model.pt', time.perf_counter() - t0


def overrides(spec: str) -> dict:
    "TrainConfig overrides from 'key=value,key=value' ('default': none), typed by the field."
    if spec == 'default':
        return {}
    kinds = {k: type(v) for k, v in TrainConfig().__dict__.items()}
    kinds['pair'] = bool                                     # unset (None) by default: auto
    out = {}
    for item in spec.split(','):
        key, value = item.split('=', 1)
        kind = kinds[key]
        out[key] = value.lower() in ('1', 'true', 'yes') if kind is bool else kind(value)
    return out


def environment() -> dict:
    "The machine, library versions and commit a result belongs to (for bench/results/*.json)."
    import os
    import platform
    import subprocess
    from importlib import metadata
    import lightgbm
    here = Path(__file__).parent
    cpu = next((ln.split(':', 1)[1].strip() for ln in open('/proc/cpuinfo')
                if ln.startswith('model name')), platform.processor())
    git = lambda *args: subprocess.run(['git', *args], capture_output=True, text=True,
                                       cwd=here).stdout.strip()
    dirty = git('status', '--porcelain', '--untracked-files=no')
    env = dict(machine=f'{cpu}, {os.cpu_count()} cores, {platform.system()}',
               torch=torch.__version__, lightgbm=lightgbm.__version__,
               commit=git('rev-parse', '--short', 'HEAD') + ('+dirty' if dirty else ''),
               python=platform.python_version())
    for lib in ('numpy', 'pandas', 'scipy', 'catboost', 'xgboost', 'onnxruntime'):
        try:                                # results at 100 lists move with last-bit changes
            env[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            pass
    return env
