"""Training and serving speed of the default model, side by side with LightGBM, in one process.

    .venv/bin/python bench/bench_train_speed.py [--label after] [--sizes 2000 20000] [--no-profile]
        [--no-serving] [--quality]

1. Fit time: default `train()` of one model (`pair=False`: from 5,000 lists the defaults train two
   such models, a pair) and LightGBM's lambdarank (bench/common.py's pipeline) on the same
   generated lists of 6-14 donors (`generate(n, seed=1)`, validation `generate(400, seed=2)`).
2. Profile: one training epoch on 2,000 lists, split into phases by timing the steps of
   `train_epoch` (slicing, forward + loss, backward, clipping, optimiser, schedule and average,
   host syncs), plus torch.profiler's top operators.
3. Fixed costs in every `train()` process: importing torch._dynamo (torch.optim's first parameter
   group does) and matplotlib (curves.png).
4. Serving: `score_chunked` for one patient against 1,000,000 donors (model side only, torch's
   default threads), and the largest difference from `forward` on 20,000 donors.
5. `--quality`: test top-1, MRR and NDCG@10 of the defaults against the former ones (30 epochs of
   32 lists at 0.02) on development draws (seeds 9001-9003, never the benchmark's), paired by draw.
Results are merged into bench/results/train_speed.json under `--label` (machine, torch, commit).
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import environment, lightgbm_scores, rows, train_model  # noqa: E402

from donor_rank.synth import generate  # noqa: E402
from donor_rank.features import Batch, LIST_FIELDS  # noqa: E402
from donor_rank.io import write_dataset  # noqa: E402
from donor_rank.train import TrainConfig, batch_loss, epoch_order, setup  # noqa: E402
try:                                                     # `--label before` on an older checkout
    from donor_rank.train import epoch_batches  # noqa: E402
except ImportError:
    epoch_batches = None

CANDS = (6, 14)


def fit_times(n: int, tmp: Path) -> dict:
    "Seconds to train the default model and LightGBM on `n` generated lists, and their ratios."
    import lightgbm as lgb                                   # imported before any clock starts
    tr = generate(n, seed=1, n_candidates=CANDS)
    va = generate(400, seed=2, n_candidates=CANDS)
    t0 = time.perf_counter()
    lightgbm_scores(tr, va)                                  # rows, fit and predict, as bench_ranking
    lgbm = time.perf_counter() - t0
    x, y, lengths = rows(tr)
    t0 = time.perf_counter()
    lgb.LGBMRanker(objective='lambdarank', n_estimators=300, learning_rate=0.05, num_leaves=31,
                   min_child_samples=20, random_state=0, verbose=-1,
                   n_jobs=2).fit(x, y.astype(int), group=lengths)
    lgbm_fit = time.perf_counter() - t0                      # the fit alone
    res, _, secs = train_model(tr, va, tmp / f'fit{n}', pair=False)    # one model; a pair is two
    return {'lists': n, 'rows': sum(len(e['candidates']) for e in tr.examples),
            'model_seconds': round(secs, 2), 'lgbm_seconds': round(lgbm, 2),
            'lgbm_fit_seconds': round(lgbm_fit, 2), 'ratio': round(secs / lgbm, 1),
            'ratio_to_fit': round(secs / lgbm_fit, 1), 'epochs_run': res['epochs_run'],
            'seconds_per_epoch': round(secs / res['epochs_run'], 3)}


def timed(acc: dict, key: str, t0: float) -> float:
    "Add the time since `t0` to `acc[key]`; return now."
    now = time.perf_counter()
    acc[key] = acc.get(key, 0.) + now - t0
    return now


def phases(run, epoch: int = 1) -> dict:
    "One epoch of `train_epoch`'s steps, each phase timed (seconds)."
    acc, r = {}, run
    r.net.train()
    if epoch_batches is None:
        batches = epoch_order(len(r.train_data), epoch, r.cfg.seed).split(r.batch_size)
    else:
        data = r.train_data                    # unpadded `Lists` now, a padded `Batch` before
        lengths = data.lengths if hasattr(data, 'lengths') else data.mask.sum(1)
        batches = epoch_batches(lengths, epoch, r.cfg.seed, r.batch_size)
    for idx in batches:
        t = time.perf_counter()
        mb = r.train_data[idx]
        t = timed(acc, 'slice batch', t)
        loss = batch_loss(r.net, mb, r.loss_fn)
        t = timed(acc, 'forward + loss', t)
        bool(torch.isfinite(loss.detach()))
        t = timed(acc, 'host sync (finite check)', t)
        r.opt.zero_grad(set_to_none=True)
        loss.backward()
        t = timed(acc, 'backward', t)
        torch.nn.utils.clip_grad_norm_(r.net.parameters(), r.cfg.clip)
        t = timed(acc, 'clip', t)
        r.opt.step()
        t = timed(acc, 'optimiser', t)
        r.sched.step()
        if r.ema is not None:
            r.ema.update_parameters(r.model)
        timed(acc, 'schedule + average', t)
    total = sum(acc.values())
    return {k: {'seconds': round(v, 3), 'share': round(v / total, 3)} for k, v in acc.items()}


def top_ops(run, rows: int = 12) -> list[dict]:
    "torch.profiler's operators with the most self CPU time over one epoch of `train_epoch`."
    from torch.profiler import ProfilerActivity, profile
    from donor_rank.train import train_epoch
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        train_epoch(run, 2)
    ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in ops)
    return [{'op': e.key, 'calls': e.count, 'self_ms': round(e.self_cpu_time_total / 1e3, 1),
             'share': round(e.self_cpu_time_total / total, 3)} for e in ops[:rows]]


def profile_run(tmp: Path) -> dict:
    "Phases and top operators of one default training epoch on 2,000 lists."
    write_dataset(generate(2000, seed=1, n_candidates=CANDS), tmp / 'p_tr.json')
    cfg = TrainConfig(train=str(tmp / 'p_tr.json'), val='', out=str(tmp / 'prof'), progress=False)
    run = setup(cfg)
    phases(run, 0)                                        # warm-up
    t0 = time.perf_counter()
    split = phases(run, 1)
    return {'epoch_seconds': round(time.perf_counter() - t0, 3), 'steps': run.steps,
            'phases': split, 'top_ops': top_ops(run)}


def one_patient(n_donors: int, seed: int = 3) -> Batch:
    "One generated patient against `n_donors` donors (candidate rows of generated lists, tiled)."
    from donor_rank.features import Featurizer
    ds = generate(200, seed=seed, n_candidates=CANDS)
    b = Featurizer().fit(ds).encode(ds)
    rows = b.mask.nonzero(as_tuple=True)                  # every real candidate
    take = torch.arange(n_donors) % len(rows[0])
    cand = {k: getattr(b, k)[rows][take][None] for k in LIST_FIELDS}   # (1, n_donors, ...)
    rest = {k: getattr(b, k)[:1] for k in ('ctx_num', 'ctx_miss', 'ctx_cat', 'label', 'oracle')}
    return Batch(**rest, **cand), ds


def serving(n_donors: int = 1_000_000, repeat: int = 3) -> dict:
    "Model seconds to score one patient against `n_donors` with `score_chunked`; exactness."
    from donor_rank.features import Featurizer
    from donor_rank.model import build_model
    b, ds = one_patient(n_donors)
    torch.manual_seed(0)
    model = build_model('listranker', Featurizer().fit(ds).dims).eval()
    small = replace(b, **{k: getattr(b, k)[:, :20_000] for k in LIST_FIELDS})   # (1, 20000)
    with torch.no_grad():
        diff = (model.score_chunked(small, 4096) - model(small)).abs().max().item()
    model.score_chunked(b)                                # warm-up
    secs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.score_chunked(b)
        secs.append(time.perf_counter() - t0)
    return {'donors': n_donors, 'seconds_best': round(min(secs), 3),
            'seconds_all': [round(s, 3) for s in secs], 'threads': torch.get_num_threads(),
            'max_abs_diff_vs_forward_20k': diff}


def import_seconds(module: str) -> float:
    "Seconds to import `module` in a fresh process after torch (a fixed cost of every `train()`)."
    code = (f'import time, torch\nt = time.perf_counter()\nimport {module}\n'
            'print(time.perf_counter() - t)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip().splitlines()[-1]), 2)


OLD_DEFAULTS = {'batch_size': 32, 'lr': 0.02, 'epochs': 30}
DEV_SEEDS = (9001, 9002, 9003)


def quality(tmp: Path) -> dict:
    "Test top-1, MRR, NDCG@10 of the defaults and of `OLD_DEFAULTS` on development draws (paired)."
    from donor_rank.inference import Ranker
    rows = []
    for seed in DEV_SEEDS:                      # not the benchmark's draws
        tr = generate(2000, seed=seed, n_candidates=CANDS)
        va = generate(400, seed=seed + 100, n_candidates=CANDS)
        te = generate(2000, seed=seed + 200, n_candidates=CANDS)
        for name, cfg in (('defaults', {}), ('old_defaults', OLD_DEFAULTS)):
            res, best, secs = train_model(tr, va, tmp / f'q{seed}{name}', **cfg)
            m = Ranker.load(best).evaluate(te).metrics
            rows.append({'seed': seed, 'config': name, 'seconds': round(secs, 1),
                         **{k: m[k] for k in ('top1', 'mrr', 'ndcg@10')}})
            print(json.dumps(rows[-1]), flush=True)
    pick = lambda name, k: [r[k] for r in rows if r['config'] == name]
    diffs = [a - b for a, b in zip(pick('defaults', 'top1'), pick('old_defaults', 'top1'))]
    return {'rows': rows, 'top1_paired_diffs': diffs, 'top1_mean_diff': sum(diffs) / len(diffs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--label', default='after', help='key of this run in the results file')
    ap.add_argument('--sizes', type=int, nargs='*', default=[2000, 20000])
    ap.add_argument('--no-profile', action='store_true')
    ap.add_argument('--no-serving', action='store_true')
    ap.add_argument('--quality', action='store_true', help='also the check of the defaults')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'train_speed.json'))
    a = ap.parse_args()
    res = {**environment(), 'cpus': os.cpu_count(), 'when': time.strftime('%Y-%m-%d %H:%M:%S')}
    # torch.optim's first parameter group imports torch._dynamo; curves.png needs matplotlib
    modules = ('torch._dynamo', 'matplotlib.pyplot')
    res['fixed_import_seconds'] = {m: import_seconds(m) for m in modules}
    print(json.dumps(res['fixed_import_seconds']), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not a.no_serving:                             # torch's default threads (all cores)
            res['serving'] = serving()
            print(json.dumps(res['serving']), flush=True)
        if not a.no_profile:                             # training's threads from here on
            res['profile'] = profile_run(tmp)
            print(json.dumps(res['profile'], indent=1), flush=True)
        if a.quality:
            res['quality'] = quality(tmp)
        res['fit'] = []
        for n in a.sizes:
            res['fit'].append(fit_times(n, tmp))
            print(json.dumps(res['fit'][-1]), flush=True)
    out = Path(a.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    old[a.label] = res
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(old, indent=1) + '\n')


if __name__ == '__main__':
    main()
