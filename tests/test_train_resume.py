"""Crash-safe training: kill -9 a real `donor_rank_train`, resume, and get the uninterrupted run's result."""
import json, os, signal, subprocess, sys, time
from pathlib import Path

import pytest
from conftest import write_splits

BIN = Path(sys.executable).parent
ARGS = ['--epochs', '10', '--patience', '0', '--seed', '3', '--quiet']


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return write_splits(tmp_path_factory.mktemp('resume'), 1500, 200, seed=21)


def train_cmd(d, out, *extra):
    return [str(BIN / 'donor_rank_train'), '--train', str(d / 'tr.json'), '--val', str(d / 'va.json'),
            '--out', str(out), *ARGS, *extra]


def rows(out):
    return [json.loads(l) for l in (out / 'metrics.jsonl').read_text().splitlines() if l.strip()]


def strip(r):
    return {k: v for k, v in r.items() if k != 'seconds'}


def test_kill_and_resume_matches_uninterrupted(data):
    full = data / 'full'
    subprocess.run(train_cmd(data, full), check=True, capture_output=True, timeout=300)
    ref = rows(full)
    assert [r['epoch'] for r in ref] == list(range(10))

    out = data / 'killed'
    p = subprocess.Popen(train_cmd(data, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline:                      # kill once at least two epochs are on disk
        if (out / 'metrics.jsonl').exists() and 2 <= len(rows(out)) < 9: break
        if p.poll() is not None: pytest.fail('training ended before it could be killed')
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL
    killed_at = len(rows(out))
    assert 2 <= killed_at < 10
    assert not [f for f in os.listdir(out) if f.startswith('.') or f.endswith('.tmp')], 'temporary files left behind'

    resume = [a for a in train_cmd(data, out, '--resume', '--no-progress') if a != '--quiet']   # --quiet: no log
    r = subprocess.run(resume, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert 'resuming' in r.stderr
    got = rows(out)
    assert [x['epoch'] for x in got] == list(range(10)), 'each epoch exactly once'
    assert [strip(x) for x in got] == [strip(x) for x in ref], 'resumed run differs from the uninterrupted one'


def test_resume_refuses_other_settings(data):
    out = data / 'full'
    r = subprocess.run(train_cmd(data, out, '--resume', '--lr', '0.1'), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr
    assert 'cannot resume' in r.stderr and 'lr' in r.stderr


def test_resume_refuses_other_epochs(data):
    r = subprocess.run(train_cmd(data, data / 'full', '--resume', '--epochs', '20'), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count('\n') == 1, r.stderr
    assert 'cannot resume' in r.stderr and 'epochs' in r.stderr
