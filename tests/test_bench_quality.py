"bench_quality: expected top-1 matches the recorded choice's rate, and the summary pairs it."
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / 'bench'))

from common import expected_top1  # noqa: E402
from platelet_world import generate_platelet  # noqa: E402


def test_expected_top1_is_the_choice_rate():
    ds = generate_platelet(6000, seed=3)
    rng = np.random.default_rng(0)
    for scores in ([np.asarray(ex['utility']) for ex in ds],                   # the oracle's ranking
                   [np.asarray(ex['utility']) + rng.normal(0, 0.3, len(ex['utility'])) for ex in ds]):
        hit = np.mean([ex['label'] == int(np.argmax(s)) for ex, s in zip(ds, scores)])
        se = np.sqrt(hit * (1 - hit) / len(ds))
        assert abs(expected_top1(ds, scores, 0.25) - hit) < 3 * se
    flat = expected_top1(ds, [np.zeros(len(ex['utility'])) for ex in ds], 0.25)
    chance = [np.exp(np.asarray(ex['utility']) / 0.25) for ex in ds]
    worst = np.mean([c.min() / c.sum() for c in chance])
    assert abs(flat - worst) < 1e-9                        # tied scores: the least likely candidate


def test_summary_pairs_expected_top1(tmp_path):
    out = tmp_path / 'q.json'
    cmd = [sys.executable, str(ROOT / 'bench' / 'bench_quality.py'), '--worlds', 'platelet',
           '--sizes', '40', '--draws', '2', '--first-draw', '300', '--trees', 'none', '--workers', '1',
           '--configs', 'epochs=1', 'epochs=2', '--select', 'epochs=1|epochs=2',
           '--average', 'epochs=1+epochs=2', 'epochs=1+epochs=1',
           '--folder', str(tmp_path / 'q'), '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=600)
    res = json.loads(out.read_text())
    row = res['summary'][0]
    assert 0 < row['epochs=2_expected_top1'] <= row['oracle_expected_top1'] <= 1
    assert {'diff', 'lo', 'hi'} <= set(row['epochs=2 - epochs=1 (expected_top1)'])
    assert all(0 <= r['expected_top1'] <= 1 for r in res['runs'])
    assert {'diff', 'lo', 'hi'} <= set(row['select(epochs=1|epochs=2) - epochs=1 (expected_top1)'])
    picked = [r for r in res['runs'] if r['ranker'] == 'select(epochs=1|epochs=2)']
    assert len(picked) == 2 and {p['picked'] for p in picked} <= {'epochs=1', 'epochs=2'}
    runs = {(r['ranker'], r['draw']): r for r in res['runs']}
    for d in (300, 301):
        pair, one, two = (runs[(k, d)] for k in ('average(epochs=1+epochs=2)', 'epochs=1', 'epochs=2'))
        assert abs(pair['seconds'] - one['seconds'] - two['seconds']) < 1e-9     # both trained
        assert 0 < pair['expected_top1'] <= pair['oracle_expected_top1']
        self_avg = runs[('average(epochs=1+epochs=1)', d)]                     # a model with itself
        for k in ('top1', 'mrr', 'expected_top1', 'oracle_agreement'):
            assert abs(self_avg[k] - one[k]) < 1e-6, k
    assert {'diff', 'lo', 'hi'} <= set(row['average(epochs=1+epochs=2) - epochs=1 (expected_top1)'])


def test_summary_pairs_both_catboosts(tmp_path):
    out = tmp_path / 'q.json'
    cmd = [sys.executable, str(ROOT / 'bench' / 'bench_quality.py'), '--worlds', 'platelet',
           '--sizes', '40', '--draws', '2', '--first-draw', '300', '--workers', '1',
           '--trees', 'catboost_yetirank,catboost_yetirank_tuned', '--configs', 'epochs=1',
           '--folder', str(tmp_path / 'q'), '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=600)
    row = json.loads(out.read_text())['summary'][0]
    for ref in ('catboost_yetirank', 'catboost_yetirank_tuned'):
        assert 0 < row[f'{ref}_expected_top1'] <= row['oracle_expected_top1']
        for tail in ('', ' (expected_top1)'):
            pair = row[f'epochs=1 - {ref}{tail}']
            assert pair['lo'] <= pair['diff'] <= pair['hi']
    tuned, default = (row[f'{r}_top1'] for r in ('catboost_yetirank_tuned', 'catboost_yetirank'))
    assert tuned != default                                # the tuned settings reach CatBoost


def test_select_picks_the_lower_validation_loss():
    import pandas as pd
    from bench_quality import add_selected
    df = pd.DataFrame([dict(world='w', n=10, draw=d, ranker=r, val_loss=v, top1=t, seconds=1.0)
                       for d, r, v, t in [(0, 'a', 1.0, .5), (0, 'b', 2.0, .6),
                                          (1, 'a', 3.0, .7), (1, 'b', 2.5, .8),
                                          (2, 'a', 1.0, .9)]])          # draw 2 lacks b: no choice
    out = add_selected(df, 'a|b')
    sel = out[out.ranker == 'select(a|b)'].set_index('draw')
    assert list(sel.index) == [0, 1]
    assert list(sel.picked) == ['a', 'b'] and list(sel.top1) == [.5, .8]
    assert list(sel.seconds) == [2.0, 2.0]                    # both configs were trained


def test_select_and_average_must_name_configs(tmp_path):
    for flag, spec in (('--select', 'default|wide_l2=0.01'), ('--average', 'default+wide_l2=0.01')):
        cmd = [sys.executable, str(ROOT / 'bench' / 'bench_quality.py'), '--configs', 'default',
               flag, spec, '--trees', 'none', '--folder', str(tmp_path / 'q'),
               '--out', str(tmp_path / 'q.json')]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 2
        assert flag in r.stderr and 'wide_l2=0.01' in r.stderr and 'Traceback' not in r.stderr
        assert not (tmp_path / 'q.json').exists()


def test_config_overrides_are_typed():
    from common import overrides
    assert overrides('default') == {}
    assert overrides('wide_l1=0,pair=false') == {'wide_l1': 0.0, 'pair': False}
    assert overrides('pair=true,epochs=3') == {'pair': True, 'epochs': 3}
