"""Does the generated data carry signal? A LightGBM lambdarank ranker vs the oracle's top-1.

Usage: python bench/bench_lightgbm_signal.py [--n-train 2000] [--n-test 2000] [--seed 0]
Issue 2 requires LightGBM top-1 >= 0.85 x the oracle's top-1 (top-1 = agreement with the recorded choice).
"""
import argparse, time
import numpy as np, pandas as pd
from lightgbm import LGBMRanker
from donor_rank.synth import generate, to_frames, split_seed

def flat_rows(ds):
    "One row per (patient, donor): patient features as p_*, donor features as d_*; strings as category dtype."
    ctx, cand = to_frames(ds)
    X = pd.concat([ctx.add_prefix('p_').iloc[cand['example']].reset_index(drop=True),
                   cand.drop(columns=['example', 'slot']).add_prefix('d_').reset_index(drop=True)], axis=1)
    for c in X.columns:
        if X[c].dtype == bool: X[c] = X[c].astype(np.int8)
        elif not pd.api.types.is_numeric_dtype(X[c]): X[c] = X[c].astype('category')
    return X, cand['example'].to_numpy()

def top1(scores, example, labels):
    "Share of lists whose highest score is the recorded choice (first index on ties)."
    df = pd.DataFrame(dict(s=scores, ex=example))
    df['slot'] = df.groupby('ex').cumcount()
    best = df.loc[df.groupby('ex')['s'].idxmax(), 'slot'].to_numpy()
    return float((best == np.asarray(labels)).mean())

def run(n_train=2000, n_test=2000, seed=0, **lgb_kw):
    "Train on `n_train` generated patients, score `n_test` held-out ones; returns a dict of figures."
    tr, te = generate(n_train, seed=split_seed(seed, 'train')), generate(n_test, seed=split_seed(seed, 'test'), start=n_train)
    Xtr, extr = flat_rows(tr); Xte, exte = flat_rows(te)
    Xte = Xte.astype({c: pd.CategoricalDtype(Xtr[c].cat.categories) for c in Xtr.columns if isinstance(Xtr[c].dtype, pd.CategoricalDtype)})
    ytr = np.concatenate([e['relevance'] for e in tr])
    kw = dict(objective='lambdarank', n_estimators=300, learning_rate=0.05, num_leaves=31, min_child_samples=20,
              verbose=-1, random_state=seed, n_jobs=1)  # n_jobs=1: threads contend on a busy 2-core box
    kw.update(lgb_kw)
    t0 = time.perf_counter()
    m = LGBMRanker(**kw).fit(Xtr, ytr, group=np.bincount(extr))
    fit_s = time.perf_counter() - t0
    labels = [e['label'] for e in te]
    lgb = top1(m.predict(Xte), exte, labels)
    oracle = float(np.mean([e['oracle'] == e['label'] for e in te]))
    return dict(lightgbm_top1=lgb, oracle_top1=oracle, ratio=lgb / oracle, fit_s=fit_s)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n-train', type=int, default=2000); p.add_argument('--n-test', type=int, default=2000)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    r = run(a.n_train, a.n_test, a.seed)
    print(f"train {a.n_train} / test {a.n_test} patients x 10 donors, seed {a.seed}")
    print(f"LightGBM lambdarank top-1 {r['lightgbm_top1']:.3f}   oracle top-1 {r['oracle_top1']:.3f}   "
          f"ratio {r['ratio']:.3f} (required >= 0.85)   fit {r['fit_s']:.1f} s")
