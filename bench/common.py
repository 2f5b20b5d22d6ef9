"""Shared pieces of the benchmarks: LightGBM on flattened rows, and padded scoring for the metrics.

Only the package's public API is used, so the benchmarks measure what a user gets.
"""
from __future__ import annotations
import numpy as np
import pandas as pd
import torch

from donor_rank.features import Featurizer
from donor_rank.metrics import compute_metrics


def flatten(ds) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    "One row per candidate (context features prefixed `ctx_`), its graded relevance, and the group sizes."
    rows, rel, groups = [], [], []
    for ex in ds.examples:
        cands = ex['candidates']
        r = ex.get('relevance') or [int(j == ex.get('label')) for j in range(len(cands))]
        for c, g in zip(cands, r):
            rows.append({**{f'ctx_{k}': v for k, v in ex['context'].items()}, **c['features']})
            rel.append(g)
        groups.append(len(cands))
    df = pd.DataFrame.from_records(rows)
    for col in df.columns:
        if df[col].dtype == object or str(df[col].dtype).startswith(('string', 'str')):
            df[col] = df[col].astype('category')
        elif df[col].dtype == bool:
            df[col] = df[col].astype(float)
    return df, np.asarray(rel, dtype=float), np.asarray(groups)


def align_categories(train: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    "Give `other` the training frame's columns and category sets (LightGBM needs the same codes)."
    other = other.reindex(columns=train.columns)
    for col in train.columns:
        if isinstance(train[col].dtype, pd.CategoricalDtype):
            other[col] = pd.Categorical(other[col].astype(object), categories=train[col].cat.categories)
        else:
            other[col] = pd.to_numeric(other[col], errors='coerce')
    return other


def pad(scores: list[np.ndarray]) -> torch.Tensor:
    "Per-list score arrays as one `(lists, longest)` tensor, -inf in the padding."
    L = max(len(s) for s in scores)
    out = torch.full((len(scores), L), float('-inf'))
    for i, s in enumerate(scores): out[i, :len(s)] = torch.as_tensor(np.asarray(s, dtype=np.float32))
    return out


def metrics_for(ds, scores: list[np.ndarray]) -> dict:
    "The package's metrics for per-list scores on dataset `ds` (targets, masks and utilities from its own featurizer)."
    b = Featurizer().fit(ds).encode(ds)
    s = pad(scores)[:, :b.mask.shape[1]]
    return compute_metrics(s, b.target, b.mask, utility=b.utility)


def lightgbm_scores(tr, te, seed: int = 0, **params) -> list[np.ndarray]:
    "Train LightGBM's lambdarank on the flattened training rows; per-list scores on the test set."
    import lightgbm as lgb
    Xtr, ytr, gtr = flatten(tr)
    Xte, _, gte = flatten(te)
    Xte = align_categories(Xtr, Xte)
    kw = dict(objective='lambdarank', n_estimators=300, learning_rate=0.05, num_leaves=31,
              min_child_samples=20, random_state=seed, verbose=-1, n_jobs=2)
    kw.update(params)
    m = lgb.LGBMRanker(**kw)
    m.fit(Xtr, ytr.astype(int), group=gtr)
    s = m.predict(Xte)
    return np.split(s, np.cumsum(gte)[:-1])
