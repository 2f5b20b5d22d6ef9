"""Training that goes wrong: a non-finite loss stops with a clear message and keeps the last good checkpoint."""
import subprocess, sys
from pathlib import Path

import pytest
import torch

from donor_rank import losses
from donor_rank.train import TrainConfig, TrainingError, train
from donor_rank.checkpoint import load_checkpoint
from conftest import write_splits

BIN = Path(sys.executable).parent


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return write_splits(tmp_path_factory.mktemp('fail'), 200, 60, seed=31)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(data, monkeypatch):
    calls = {'n': 0}
    ce = losses.LOSSES['ce']

    def poisoned(scores, target, mask, **kw):          # two epochs of 7 steps (batch 32), then NaN
        calls['n'] += 1
        out = ce(scores, target, mask)
        return out * float('nan') if calls['n'] > 2 * 7 + 3 else out
    monkeypatch.setitem(losses.LOSSES, 'poisoned', poisoned)
    cfg = TrainConfig(train=str(data / 'tr.json'), val=str(data / 'va.json'), out=str(data / 'nan'),
                      loss='poisoned', epochs=5, patience=0, batch_size=32, progress=False)
    with pytest.raises(TrainingError, match='non-finite loss'):
        train(cfg)
    ck = load_checkpoint(data / 'nan' / 'last_model.pt')
    assert ck['epoch'] >= 0
    assert all(torch.isfinite(v).all() for v in ck['model_state'].values() if v.is_floating_point())


def test_cli_bad_flags_one_line(data):
    for extra in (['--epochs', '0'], ['--lr', '-1'], ['--noise', '-0.5'], ['--loss', 'nope'], ['--dropout', '1.5'], ['--log-skew', 'nan'],
                  ['--scale', 'rank'], ['--wide-l2', '-1'], ['--wide-l1', '-0.01']):
        r = subprocess.run([str(BIN / 'donor_rank_train'), '--train', str(data / 'tr.json'), '--val', str(data / 'va.json'),
                            '--out', str(data / 'x'), *extra], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (extra, r.stderr)
        assert r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
        assert extra[0][2:] in r.stderr, (extra, r.stderr)            # names the setting
        assert not (data / 'x').exists()


def test_cli_missing_file(data):
    r = subprocess.run([str(BIN / 'donor_rank_train'), '--train', str(data / 'nope.json'), '--val', str(data / 'va.json'),
                        '--out', str(data / 'y')], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'nope.json' in r.stderr and 'Traceback' not in r.stderr


def _one_line(r):
    assert r.returncode == 2, r.stderr
    assert r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
    return r.stderr


def test_edge_inputs_one_line(data, tmp_path):
    import json
    doc = json.loads((data / 'va.json').read_text())
    empty = tmp_path / 'empty.json'; empty.write_text(json.dumps({**doc, 'examples': []}))
    no_util = tmp_path / 'no_util.json'
    for ex in doc['examples']: ex.pop('utility'); ex.pop('oracle')
    no_util.write_text(json.dumps(doc))
    run = lambda *a: subprocess.run([str(BIN / a[0]), *a[1:]], capture_output=True, text=True, timeout=120)
    assert 'no examples' in _one_line(run('donor_rank_train', '--train', str(data / 'tr.json'), '--val', str(empty), '--out', str(tmp_path / 'a')))
    assert 'utility' in _one_line(run('donor_rank_train', '--train', str(data / 'tr.json'), '--val', str(no_util),
                                      '--out', str(tmp_path / 'b'), '--monitor', 'regret'))
    assert 'steps' in _one_line(run('donor_rank_lr_find', '--train', str(data / 'tr.json'), '--out', str(tmp_path / 'c'), '--steps', '1'))
    assert not any((tmp_path / x).exists() for x in 'abc')


def test_cli_log_skew_switches_the_log_copies(data):
    "The generator's days to collection (skewness about 1.5) gains a log copy by default and none with --log-skew inf."
    names = {}
    for tag, extra in (('on', []), ('off', ['--log-skew', 'inf'])):
        r = subprocess.run([str(BIN / 'donor_rank_train'), '--train', str(data / 'tr.json'), '--val', str(data / 'va.json'),
                            '--out', str(data / f'log_{tag}'), '--epochs', '1', '--quiet', *extra], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        ck = load_checkpoint(data / f'log_{tag}' / 'best_model.pt')
        names[tag] = [s['name'] for s in ck['featurizer']['candidate']]
        assert ck['config']['log_skew'] == (1.0 if tag == 'on' else float('inf'))
    assert 'log(days_to_collection)' in names['on'] and not any(n.startswith('log(') for n in names['off'])
    assert set(names['on']) - set(names['off']) == {'log(days_to_collection)'}
