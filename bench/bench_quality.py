"""Model against CatBoost YetiRank and LightGBM on three worlds and three sizes, paired over draws.

    .venv/bin/python bench/bench_quality.py [--worlds generator,cord,platelet]
        [--sizes 100,2000,20000] [--draws 5] [--configs default num_embed=piecewise] [--workers 2]
        [--select 'default|wide_l2=0.01'] [--average 'default+wide=false']

For each world (the package's generator, and the two foreign worlds in bench/) and each training
size, `--draws` draws from `--first-draw` on (0 to 4 by default) are written by `study.write_draw`
(independent train, validation and test sets per draw; validation a fifth of training, at most
2,000; test 2,000 lists). On every draw
the model is trained once per `--configs` entry (`default` is the package's defaults, otherwise
comma-separated TrainConfig overrides), and the tree rankers of `--trees` on the same rows:
CatBoost YetiRank at its defaults, CatBoost YetiRank with the settings chosen for it on development
draws (`catboost_yetirank_tuned`, `common.CATBOOST_TUNED`) and LightGBM lambdarank. The summary
gives, per world and size, each ranker's mean top-1 and the paired difference of each model config
minus each CatBoost with a 95% t interval over draws (Bonferroni over the rankers compared with
that CatBoost in the cell); without CatBoost, against the first config. Draws 0-4 measure and never
choose: settings are picked on development draws (`--first-draw 200 --trees none`).

Each row also has `expected_top1`: the same top-1 in expectation over the recorded choice's Gumbel
noise (each world records argmax(utility + noise * Gumbel), so the chance that a list's choice is a
given candidate is softmax(utility / noise)). It estimates what top-1 estimates without the coin
flip of the label, so its paired intervals are narrower; `oracle_expected_top1` is its ceiling, the
argmax-utility ranking's. The summary gives paired differences on both.

`--select 'A|B'` adds a ranker named `select(A|B)`: on each draw, whichever of the configs A and B
(both in `--configs`) reached the lower validation loss, with the test figures of that run and the
seconds of all of them (both are trained). It measures choosing a setting per data set on its
validation file, as a user would, without ever looking at the test set.

`--average 'A+B'` adds a ranker named `average(A+B)`: on each draw, the mean of the raw scores that
the kept checkpoints of A and B (both in `--configs`) give each test candidate, with the seconds of
both. It measures a two-model ensemble at twice the training time.

Writes bench/out/quality.json with the machine, library versions and commit.
"""
from __future__ import annotations
import argparse, inspect, itertools, json, sys, time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from common import (PEERS, environment, expected_top1, lightgbm_scores, metrics_for,  # noqa: E402
                    overrides)
from foreign_world import generate_cord  # noqa: E402
from platelet_world import generate_platelet  # noqa: E402

from donor_rank.inference import Ranker  # noqa: E402
from donor_rank.io import read_dataset  # noqa: E402
from donor_rank.study import fit_score, paired_diffs, run_parallel, write_draw  # noqa: E402
from donor_rank.synth import generate  # noqa: E402
from donor_rank.train import TrainConfig  # noqa: E402

WORLDS = {'generator': generate, 'cord': generate_cord, 'platelet': generate_platelet}
CATBOOSTS = ('catboost_yetirank', 'catboost_yetirank_tuned')
TREES = (*CATBOOSTS, 'lightgbm')
NOISE = {w: inspect.signature(f).parameters['noise'].default for w, f in WORLDS.items()}
UTILITY = ('oracle_agreement', 'regret', 'oracle_top1')


def job(args) -> dict:
    "One ranker on one draw: the test set's top-1, expected top-1, MRR and utility metrics; seconds."
    world, n, draw, ranker, folder = args
    paths = write_draw(WORLDS[world], n, draw, Path(folder) / world / f'n{n}' / f'draw{draw}')
    row = dict(world=world, n=n, draw=draw, ranker=ranker)
    te = read_dataset(paths['test'])
    t0 = time.perf_counter()
    if ranker in TREES:
        tr, va = (read_dataset(paths[k]) for k in ('train', 'val'))
        scores = (PEERS[ranker](tr, va, te, draw) if ranker in CATBOOSTS
                  else lightgbm_scores(tr, te, seed=draw))
        m = metrics_for(te, scores)
    else:
        out = Path(folder) / 'runs' / f'{world}_n{n}_d{draw}_{ranker}'
        cfg = TrainConfig(train=str(paths['train']), val=str(paths['val']), out=str(out),
                          seed=draw, progress=False, **overrides(ranker))
        m = fit_score(cfg)
        row['val_loss'] = float(m['val_loss'])
        ev = Ranker.load(out / 'best_model.pt').evaluate(te)           # as fit_score(cfg, te) does
        m.update(ev.metrics)
        scores = [s[:len(ex['utility'])] for s, ex in zip(ev.scores.numpy(), te)]  # padding off
    row.update(top1=float(m['top1']), mrr=float(m['mrr']), seconds=time.perf_counter() - t0)
    row.update(expected_top1=expected_top1(te, scores, NOISE[world]),
               oracle_expected_top1=expected_top1(te, [ex['utility'] for ex in te], NOISE[world]))
    row.update({k: float(m[k]) for k in UTILITY})
    with open(Path(folder) / 'runs.jsonl', 'a') as f:          # each run kept as it ends
        f.write(json.dumps(row) + '\n')
    return row


def add_selected(df: pd.DataFrame, spec: str) -> pd.DataFrame:
    "`df` plus a row `select(spec)` per world, size and draw: the config of `spec` of lowest val_loss."
    names = spec.split('|')
    cand = df[df.ranker.isin(names)]
    rows = []
    for _, g in cand.groupby(['world', 'n', 'draw'], sort=False):
        if set(g.ranker) != set(names):                   # a config missing on this draw: no choice
            continue
        best = g.loc[g.val_loss.idxmin()].copy()
        best['picked'], best['seconds'] = best.ranker, g.seconds.sum()
        best['ranker'] = f'select({spec})'
        rows.append(best)
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def add_averaged(df: pd.DataFrame, spec: str, folder) -> pd.DataFrame:
    "`df` plus a row `average(spec)` per world, size and draw: the mean of the configs' raw scores."
    names = spec.split('+')
    rows = []
    cand = df[df.ranker.isin(names)]
    for (world, n, draw), g in cand.groupby(['world', 'n', 'draw'], sort=False):
        if set(g.ranker) != set(names):                   # a config missing on this draw: no average
            continue
        te = read_dataset(Path(folder) / world / f'n{n}' / f'draw{draw}' / 'test.parquet')
        members = [Ranker.load(Path(folder) / 'runs' / f'{world}_n{n}_d{draw}_{c}' / 'best_model.pt')
                   for c in names]
        scores = [m.evaluate(te).scores.numpy() for m in members]           # each (lists, L)
        lengths = [len(ex['utility']) for ex in te]
        mean = [np.mean([s[i, :k] for s in scores], 0) for i, k in enumerate(lengths)]
        m = metrics_for(te, mean)
        row = dict(world=world, n=n, draw=draw, ranker=f'average({spec})', top1=float(m['top1']),
                   mrr=float(m['mrr']), seconds=float(g.seconds.sum()),
                   expected_top1=expected_top1(te, mean, NOISE[world]),
                   oracle_expected_top1=float(g.oracle_expected_top1.iloc[0]))
        row.update({k: float(m[k]) for k in UTILITY})
        rows.append(row)
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def summarise(df: pd.DataFrame, configs: list) -> list:
    "Per world and size: mean top-1 per ranker, and each config minus each CatBoost, paired on draws."
    out = []
    for (world, n), g in df.groupby(['world', 'n'], sort=False):
        row = dict(world=world, n=int(n), draws=int(g.draw.nunique()))
        row.update({f'{r}_top1': float(v) for r, v in g.groupby('ranker').top1.mean().items()})
        row.update({f'{r}_seconds': float(v) for r, v in g.groupby('ranker').seconds.mean().items()})
        for k in ('expected_top1', 'oracle_agreement'):
            row.update({f'{r}_{k}': float(v) for r, v in g.groupby('ranker')[k].mean().items()})
        for k in ('oracle_top1', 'oracle_expected_top1'):             # the ceiling: one per draw
            row[k] = float(g.groupby('draw')[k].first().mean())
        refs = [r for r in CATBOOSTS if r in set(g.ranker)] or configs[:1]
        for ref, metric in itertools.product(refs, ('top1', 'expected_top1')):
            sub = g[~g.ranker.isin(set(CATBOOSTS) - {ref})]       # the other CatBoost not paired
            if sub.ranker.nunique() < 2:                          # one ranker: nothing to pair
                continue
            tab = paired_diffs(sub, metric, 'ranker', ref)
            tail = '' if metric == 'top1' else f' ({metric})'
            for c in configs:
                if c in tab.index:
                    row[f'{c} - {ref}{tail}'] = {k: float(tab.loc[c, k])
                                                 for k in ('diff', 'lo', 'hi', 'p_holm')}
        out.append(row)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--worlds', default='generator,cord,platelet')
    ap.add_argument('--sizes', default='100,2000,20000')
    ap.add_argument('--draws', type=int, default=5)
    ap.add_argument('--first-draw', type=int, default=0,
                    help='draws first-draw, ...; development draws (200 on) choose, 0-4 measure')
    ap.add_argument('--trees', default=','.join(TREES), help="tree rankers to run, or 'none'")
    ap.add_argument('--configs', nargs='+', default=['default'])
    ap.add_argument('--select', nargs='*', default=[],
                    help="'A|B': also report, per draw, the config of A and B with the lower "
                         'validation loss')
    ap.add_argument('--average', nargs='*', default=[],
                    help="'A+B': also report, per draw, the mean of A's and B's raw scores")
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--folder', default=str(Path(__file__).parent / 'out' / 'quality'))
    ap.add_argument('--out', default=str(Path(__file__).parent / 'out' / 'quality.json'))
    a = ap.parse_args()
    for c in a.configs:
        overrides(c)                                        # fail now on a bad override
    for flag, specs, sep in (('--select', a.select, '|'), ('--average', a.average, '+')):
        for spec in specs:
            missing = set(spec.split(sep)) - set(a.configs)
            if missing:
                print(f"bench_quality.py: {flag} {spec!r}: {', '.join(sorted(missing))} is not in "
                      '--configs', file=sys.stderr)
                sys.exit(2)
    trees = [] if a.trees == 'none' else a.trees.split(',')
    draws = range(a.first_draw, a.first_draw + a.draws)
    jobs = [(w, int(n), k, r, a.folder) for n in a.sizes.split(',') for w in a.worlds.split(',')
            for k in draws for r in (*a.configs, *trees)]
    for w, n, k, _, folder in jobs:                         # data first, so workers only read
        write_draw(WORLDS[w], n, k, Path(folder) / w / f'n{n}' / f'draw{k}')
    t0 = time.time()
    df = pd.DataFrame(run_parallel(job, jobs, workers=a.workers))
    for spec in a.select:
        df = add_selected(df, spec)
    for spec in a.average:
        df = add_averaged(df, spec, a.folder)
    configs = [*a.configs, *(f'select({spec})' for spec in a.select),
               *(f'average({spec})' for spec in a.average)]
    summary = summarise(df, configs)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**environment(), 'configs': configs, 'wall_seconds': time.time() - t0,
                               'summary': summary, 'runs': df.to_dict('records')}, indent=1))
    for row in summary:
        print(json.dumps(row))


if __name__ == '__main__':
    main()
