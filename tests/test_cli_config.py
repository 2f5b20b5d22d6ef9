"""`donor_rank_train --config RUN/config.json` repeats a run; flags beside it override it; an existing
file as `--out` (train and lr_find) is one line and exit status 2."""
import json, subprocess, sys
from pathlib import Path

import pytest
from conftest import write_splits

BIN = Path(sys.executable).parent
TRAIN, LRFIND = str(BIN / 'donor_rank_train'), str(BIN / 'donor_rank_lr_find')
TINY = ['--epochs', '2', '--d', '16', '--heads', '2', '--batch-size', '16', '--quiet']


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return write_splits(tmp_path_factory.mktemp('config'), 80, 30, seed=5)


def run(*args):
    return subprocess.run([*args], capture_output=True, text=True, timeout=300)


def rows(out):
    return [{k: v for k, v in json.loads(line).items() if k != 'seconds'}
            for line in (out / 'metrics.jsonl').read_text().splitlines()]


def one_line(r):
    assert r.returncode == 2, r.stderr
    assert r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
    return r.stderr


def test_config_repeats_a_run_and_flags_override(data):
    first = data / 'first'
    r = run(TRAIN, '--train', str(data / 'tr.json'), '--val', str(data / 'va.json'), '--out', str(first),
            '--seed', '4', *TINY)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ''                                         # --quiet: no bar, no log lines
    again = data / 'again'
    r = run(TRAIN, '--config', str(first / 'config.json'), '--out', str(again))
    assert r.returncode == 0, r.stderr
    assert rows(again) == rows(first)
    saved = json.loads((again / 'config.json').read_text())
    assert saved == {**json.loads((first / 'config.json').read_text()), 'out': str(again)}
    other = data / 'other'
    r = run(TRAIN, '--config', str(first / 'config.json'), '--out', str(other), '--epochs', '1', '--lr', '0.05')
    assert r.returncode == 0, r.stderr
    cfg = json.loads((other / 'config.json').read_text())
    assert (cfg['epochs'], cfg['lr'], cfg['heads'], cfg['seed']) == (1, 0.05, 2, 4)
    assert len(rows(other)) == 1


def test_bad_config_one_line(data, tmp_path):
    assert 'unknown settings' in one_line(run(TRAIN, '--config', str(data / 'va.json')))
    (tmp_path / 'broken.json').write_text('{"lr": ')
    one_line(run(TRAIN, '--config', str(tmp_path / 'broken.json')))
    assert 'no_such.json' in one_line(run(TRAIN, '--config', str(tmp_path / 'no_such.json')))


def test_existing_file_as_out_one_line(data):
    f = str(data / 'va.json')
    line = one_line(run(TRAIN, '--train', str(data / 'tr.json'), '--val', f, '--out', f, *TINY))
    assert line == f'donor_rank_train: error: {f}: is a file (--out must name a folder)\n'
    line = one_line(run(LRFIND, '--train', str(data / 'tr.json'), '--out', f, '--steps', '5'))
    assert line == f'donor_rank_lr_find: error: {f}: is a file (--out must name a folder)\n'


def test_flags_from_trainconfig_fields():
    import dataclasses
    from donor_rank.train import TrainConfig
    h = run(TRAIN, '--help').stdout
    for f in dataclasses.fields(TrainConfig):
        assert '--' + f.name.replace('_', '-') in h, f.name
    assert '--no-wide' in h and '--quiet' in h and '--config' in h
