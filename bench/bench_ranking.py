"""The acceptance benchmark: the default model against the oracle and LightGBM, in one run.

    .venv/bin/python bench/bench_ranking.py [--quick] [--seed 0]

Four settings, each trained with the package defaults (no tuning per setting):
  1. 2,000 generated patients (10 donors each), scored on 2,000 held-out ones;
  2. the earlier project's regime: 100 patients, 40 for validation, batch 25, 50 epochs, repeated on
     five independent draws of the data (one draw of 100 patients moves top-1 by several points);
  3, 4. two foreign schema-v1 worlds with other feature names and lists of 6..14: cord-blood units
     (`foreign_world.py`; other draws of it informed the log copies) and platelet units
     (`platelet_world.py`, written blind to the model), each on eight independent draws of train,
     validation and test sets.
LightGBM's lambdarank (300 trees) and the tree peers (CatBoost YetiRank and YetiRankPairwise,
XGBoost rank:ndcg; graded relevance, early stopping on the validation set) are trained on the same
rows in the same run. For the draws the summary
gives the mean paired difference in top-1 (model minus LightGBM) with a 95% t-interval over draws.
Results go to bench/out/ranking.json (with the machine, library versions and commit) and are
printed as a table.
"""
from __future__ import annotations
import argparse, json, sys, tempfile, time
import numpy as np
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import PEERS, environment, evaluate, lightgbm_scores, metrics_for, train_model  # noqa: E402
from foreign_world import generate_cord  # noqa: E402
from platelet_world import generate_platelet  # noqa: E402

from donor_rank.synth import generate  # noqa: E402
from donor_rank.inference import Ranker  # noqa: E402


def run(name, tr, va, te, tmp: Path, seed: int, lgbm: bool = True, peers=(), **cfg):
    "Train the default model (and LightGBM) on `tr`, report metrics on `te`."
    res, best, secs = train_model(tr, va, tmp / name, seed=seed, **cfg)
    m = evaluate(Ranker.load(best), te)
    row = {'setting': name, 'train_lists': len(tr), 'test_lists': len(te), 'train_seconds': round(secs, 1),
           'epochs_run': res['epochs_run'], 'best_epoch': res['best']['epoch'],
           'val_spread_best': round(res['best']['spread'], 3),
           'model_top1': m['top1'], 'model_top3': m['top3'], 'model_mrr': m['mrr'],
           'oracle_top1': m['oracle_top1'], 'ratio_to_oracle': m['top1'] / m['oracle_top1'],
           'model_regret': m.get('regret'), 'model_spread': m['spread']}
    if lgbm:
        t0 = time.perf_counter()
        ml = metrics_for(te, lightgbm_scores(tr, te, seed=seed))
        row.update(lgbm_top1=ml['top1'], lgbm_mrr=ml['mrr'], lgbm_ratio_to_oracle=ml['top1'] / ml['oracle_top1'],
                   lgbm_seconds=round(time.perf_counter() - t0, 1))
    for peer in peers:
        t0 = time.perf_counter()
        mp = metrics_for(te, PEERS[peer](tr, va, te, seed))
        row.update({f'{peer}_top1': mp['top1'], f'{peer}_mrr': mp['mrr'],
                    f'{peer}_seconds': round(time.perf_counter() - t0, 1)})
    return row


def paired(draws, other):
    "Mean paired top-1 difference, model minus `other`, its 95% t-interval, draws ahead / behind."
    from scipy import stats
    diff = np.array([r['model_top1'] - r[f'{other}_top1'] for r in draws])
    half = float('nan')
    if len(diff) > 1:
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return {f'mean_diff_vs_{other}': float(diff.mean()),
            f'diff_vs_{other}_ci95': [float(diff.mean() - half), float(diff.mean() + half)],
            f'draws_ahead_of_{other}': int((diff > 0).sum()),
            f'draws_behind_{other}': int((diff < 0).sum())}


def summary(rows, name):
    "Mean over the draws of a setting, the worst draw's ratio to the oracle, and the paired model - LightGBM difference."
    from scipy import stats
    draws = [r for r in rows if r['setting'].startswith(name + '_draw')]
    mean = lambda k: sum(r[k] for r in draws) / len(draws)
    diff = np.array([r['model_top1'] - r['lgbm_top1'] for r in draws])
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float('nan')
    return {'setting': name + '_mean', 'epochs_run': None,
            **{k: mean(k) for k in ('train_seconds', 'model_top1', 'lgbm_top1', 'oracle_top1', 'ratio_to_oracle',
                                    'lgbm_ratio_to_oracle', 'val_spread_best')},
            'min_ratio_to_oracle': min(r['ratio_to_oracle'] for r in draws),
            'draws': len(draws), 'draws_beating_lgbm': int((diff > 0).sum()), 'draws_behind_lgbm': int((diff < 0).sum()),
            'mean_diff_vs_lgbm': float(diff.mean()), 'diff_ci95': [float(diff.mean() - half), float(diff.mean() + half)],
            **{k: v for peer in PEERS if f'{peer}_top1' in draws[0]
               for k, v in {f'{peer}_top1': mean(f'{peer}_top1'), **paired(draws, peer)}.items()}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--quick', action='store_true', help='smaller test sets, for a smoke run')
    ap.add_argument('--only', default='', help='comma list of settings: default,small,foreign,platelet')
    ap.add_argument('--foreign-draws', type=int, default=8, help='independent draws of each foreign world')
    ap.add_argument('--peers', default='catboost_yetirank,xgboost_ndcg',
                    help=f"comma list of tree peers ({', '.join(PEERS)}) or 'none'; YetiRankPairwise "
                         'is left out by default: on 2 cores it takes minutes per fit')
    a = ap.parse_args()
    peers = [] if a.peers == 'none' else a.peers.split(',')
    bad = [p for p in peers if p not in PEERS]
    if bad:
        ap.error(f"unknown peers {bad}; known: {', '.join(PEERS)}")
    nte = 500 if a.quick else 2000
    only = set(a.only.split(',')) if a.only else {'default', 'small', 'foreign', 'platelet'}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        s = a.seed * 10
        if 'default' in only:
            rows.append(run('default_2000', generate(2000, seed=s + 1), generate(400, seed=s + 2),
                            generate(nte, seed=s + 3), tmp, a.seed, peers=peers))
        if 'small' in only:
            te = generate(nte, seed=s + 6)
            for k in range(5):
                rows.append(run(f'earlier_regime_100_draw{k}', generate(100, seed=1000 * k + s + 4),
                                generate(40, seed=1000 * k + s + 5), te, tmp, a.seed, peers=peers,
                                batch_size=25, epochs=50))
            rows.append(summary(rows, 'earlier_regime_100'))
        for key, name, gen in (('foreign', 'foreign_cord_2000', generate_cord), ('platelet', 'foreign_platelet_2000', generate_platelet)):
            if key not in only: continue
            for k in range(a.foreign_draws):
                rows.append(run(f'{name}_draw{k}', gen(2000, seed=1000 * k + s + 7), gen(400, seed=1000 * k + s + 8),
                                gen(nte, seed=1000 * k + s + 9), tmp, a.seed, peers=peers))
            rows.append(summary(rows, name))
    out = Path(__file__).parent / 'out'; out.mkdir(exist_ok=True)
    (out / 'ranking.json').write_text(json.dumps({**environment(), 'results': rows}, indent=1))
    keys = ['setting', 'train_seconds', 'epochs_run', 'model_top1', 'lgbm_top1',
            *[f'{p}_top1' for p in peers], 'oracle_top1', 'ratio_to_oracle', 'val_spread_best']
    print(' | '.join(keys))
    for r in rows:
        print(' | '.join(f'{r.get(k):.3f}' if isinstance(r.get(k), float) else str(r.get(k)) for k in keys))
    for r in rows:
        if 'mean_diff_vs_lgbm' in r:
            lo, hi = r['diff_ci95']
            print(f"{r['setting']}: model - LightGBM top-1 {r['mean_diff_vs_lgbm']:+.4f} (95% CI {lo:+.4f} to {hi:+.4f}); "
                  f"ahead on {r['draws_beating_lgbm']}, behind on {r['draws_behind_lgbm']} of {r['draws']} draws")
            for p in peers:
                lo, hi = r[f'diff_vs_{p}_ci95']
                print(f"{r['setting']}: model - {p} top-1 {r[f'mean_diff_vs_{p}']:+.4f} "
                      f"(95% CI {lo:+.4f} to {hi:+.4f}); ahead on {r[f'draws_ahead_of_{p}']}, "
                      f"behind on {r[f'draws_behind_{p}']} of {r['draws']} draws")


if __name__ == '__main__':
    main()
