"""The evaluation report, explanations and figures on a tiny trained model. The importance must
check against the generator: a pure-noise donor column that the utility never sees ranks low."""
from __future__ import annotations
import csv
import json

import numpy as np
import pytest
import torch

from donor_rank.inference import Ranker
from donor_rank.report import (evaluation_report, explain_pair, importance, plot_list, pair_text,
                               bootstrap_ci)
from donor_rank.io import write_dataset
from donor_rank.synth import generate
from donor_rank.train import TrainConfig, train

torch.set_num_threads(1)   # small tensors: intra-op threads only contend on a shared machine


def _with_noise(ds, seed):
    "`ds` with a candidate feature `noise` drawn N(0, 1), which the utility ignores."
    rng = np.random.default_rng(seed)
    for ex in ds.examples:
        for c in ex['candidates']:
            c['features']['noise'] = round(float(rng.normal()), 4)
    return ds


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    "A tiny model trained on generated data with a noise column; `(ranker, test set, folder)`."
    d = tmp_path_factory.mktemp('report')
    write_dataset(_with_noise(generate(300, seed=11), 0), d / 'train.json')
    write_dataset(_with_noise(generate(80, seed=12, id_prefix='V'), 1), d / 'val.json')
    cfg = TrainConfig(train=str(d / 'train.json'), val=str(d / 'val.json'), out=str(d / 'run'),
                      epochs=3, d=16, heads=2, progress=False)
    train(cfg)
    rk = Ranker.load(d / 'run' / 'best_model.pt')
    return rk, _with_noise(generate(200, seed=13, id_prefix='T'), 2), d


def test_noise_column_ranks_low_and_hla_high(run):
    rk, ds, _ = run
    imp = importance(rk, ds, n_boot=50)
    cand = [f for f in imp.feature if f.startswith('candidate.')]   # largest effect first
    assert cand.index("candidate.noise") >= 2 * len(cand) // 3, imp   # seen: 13-14 of 16
    hla = {'candidate.hla_match', 'candidate.hla_match_a', 'candidate.hla_match_b',
           'candidate.hla_match_c', 'candidate.hla_match_drb1'}
    assert hla & set(cand[:3]), imp


def test_report_files_and_reproducible_intervals(run):
    rk, ds, d = run
    val = _with_noise(generate(80, seed=12, id_prefix='V'), 1)
    rep = evaluation_report(rk, ds, d / 'r1', n_boot=100, seed=0, val=val)
    again = evaluation_report(rk, ds, d / 'r2', n_boot=100, seed=0, val=val)
    other = evaluation_report(rk, ds, d / 'r3', n_boot=100, seed=1, val=val)
    text = (d / 'r1' / 'report.json').read_text()
    js = json.loads(text, parse_constant=lambda c: pytest.fail(f'{c} in report.json'))
    assert text == (d / 'r2' / 'report.json').read_text()
    g, g3 = js['groups']['all'], other['groups']['all']
    assert g['top1']['mean'] == g3['top1']['mean'] and g['top1']['lo'] != g3['top1']['lo']
    for k in range(1, 11):
        assert g[f'top{k}']['lo'] <= g[f'top{k}']['mean'] <= g[f'top{k}']['hi']
    assert set(js['groups']) == {'all'} | {ex['meta']['scenario'] for ex in ds.examples}
    rows = list(csv.DictReader(open(d / 'r1' / 'report.csv')))
    assert len(rows) == sum(len(v) for v in js['groups'].values())
    assert {'ece', 'ece_raw', 'tv', 'kl', 'regret', 'spread', 'oracle_top1'} <= set(g)
    for name in ('report.png', 'calibration.png'):
        assert (d / 'r1' / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert rep['temperature_source'] == 'fitted on validation data'


def test_explain_pair_is_antisymmetric_and_names_the_difference(run):
    rk, ds, _ = run
    ex = ds.examples[0]
    ab = explain_pair(rk, ex, 0, 1)
    ba = explain_pair(rk, ex, ex['candidates'][1]['id'], ex['candidates'][0]['id'])
    assert ab['diff'] == pytest.approx(-ba['diff'], abs=1e-5)
    eff_ba = {r['feature']: r['effect'] for r in ba['features']}
    for r in ab['features']:
        assert r['effect'] == pytest.approx(-eff_ba[r['feature']], abs=1e-4)
    same = explain_pair(rk, ex, 2, 2)
    assert same['diff'] == 0 and all(r['effect'] == 0 for r in same['features'])
    assert pair_text(ab, 3).count('\n') == 3


def test_plot_list_writes_a_png(run):
    rk, ds, d = run
    fig = plot_list(rk, ds.examples[1], d / 'list.png', top=4)
    assert (d / 'list.png').read_bytes()[:4] == b'\x89PNG'
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 10 and sum('chosen' in t for t in labels) == 1


def test_bootstrap_interval_covers_a_known_mean():
    rng = np.random.default_rng(5)
    hits = 0
    for rep in range(40):
        v = rng.normal(0.0, 1.0, 200)
        ci = bootstrap_ci(lambda i: v[i].mean(), len(v), n_boot=300, seed=rep)
        hits += ci['lo'] <= 0.0 <= ci['hi']
    assert hits >= 34                       # 95% nominal; 34 of 40 fails with probability < 2%
