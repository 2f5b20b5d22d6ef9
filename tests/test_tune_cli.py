"donor_rank_tune: a tiny search end to end, its best_config.json trains; bad input: one line, exit 2."
import json, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import write_splits

BIN = Path(sys.executable).parent


def run(script, *args):
    return subprocess.run([str(BIN / script), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return write_splits(tmp_path_factory.mktemp('tune'), 60, 40, seed=1)


def test_tiny_search_and_best_config(data, tmp_path):
    out = tmp_path / 'tune'
    r = run('donor_rank_tune', '--train', data / 'tr.json', '--val', data / 'va.json', '--out', out,
            '--trials', 2, '--seeds', '0', '--epochs', 1, '--d', 16, '--heads', 2, '--loss', 'listmle',
            '--space', '{"lr": ["log", 0.01, 0.1], "batch_size": ["cat", [16, 32]]}', '--quiet')
    assert r.returncode == 0, r.stderr
    assert 'best trial' in r.stdout
    trials = pd.read_csv(out / 'trials.csv')
    assert len(trials) == 2 and set(trials.state) <= {'COMPLETE', 'PRUNED'}
    best = json.loads((out / 'best_config.json').read_text())
    assert (best['loss'], best['epochs'], best['d']) == ('listmle', 1, 16)   # base flags kept
    assert best['batch_size'] in (16, 32) and 0.01 <= best['lr'] <= 0.1
    r = run('donor_rank_train', '--config', out / 'best_config.json', '--train', data / 'tr.json',
            '--val', data / 'va.json', '--out', tmp_path / 'run', '--quiet')
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 'run' / 'config.json').read_text())['lr'] == best['lr']


@pytest.mark.parametrize('args, msg', [
    (('--space', '{"lr": [log, 1]}'), '--space: invalid JSON'),
    (('--space', '{"lr": ["log", 0, 1]}'), "entry 'lr'"),
    (('--space', '{"nope": ["cat", [1, 2]]}'), "entry 'nope': not a TrainConfig field"),
    (('--space', 'missing_space.json'), 'missing_space.json: no such file'),
    (('--metric', 'auc'), 'metric must be one of'),
    (('--loss', 'nope'), 'nope'),
    (('--bogus',), 'unrecognized arguments: --bogus'),
])
def test_bad_input(data, tmp_path, args, msg):
    out = tmp_path / 'out'
    r = run('donor_rank_tune', '--train', data / 'tr.json', '--val', data / 'va.json', '--out', out,
            '--trials', 1, '--epochs', 1, *args)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith('donor_rank_tune: error: ') and msg in lines[0], r.stderr
    assert not out.exists()


def test_missing_file(data, tmp_path):
    r = run('donor_rank_tune', '--train', tmp_path / 'nope.json', '--val', data / 'va.json',
            '--out', tmp_path / 'out')
    assert r.returncode == 2 and r.stderr.strip().endswith('nope.json: no such file'), r.stderr
    assert not (tmp_path / 'out').exists()
