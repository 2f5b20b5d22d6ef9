"The donor_rank_generate console script: files written, same seed same bytes, bad arguments -> one stderr line, exit 2, nothing written."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest
from donor_rank.io import read_dataset

EXE = Path(sys.executable).parent / 'donor_rank_generate'
SPLITS = ('train', 'val', 'test')

def gen(*args):
    cmd = [str(EXE)] if EXE.exists() else [sys.executable, '-c', 'from donor_rank.cli import generate_main; generate_main()']
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=120)

def test_writes_three_splits(tmp_path):
    r = gen('--n-train', 20, '--n-val', 5, '--n-test', 8, '--seed', 3, '--out', tmp_path)
    assert r.returncode == 0, r.stderr
    sizes = dict(train=20, val=5, test=8)
    ids = set()
    for s in SPLITS:
        ds = read_dataset(tmp_path / f'donor_selection_{s}.json', task_type='donor_selection')
        assert len(ds) == sizes[s] and all(len(e['candidates']) == 10 for e in ds)
        ids |= {e['id'] for e in ds}
    assert len(ids) == 33                       # ids unique across the splits
    a = read_dataset(tmp_path / 'donor_selection_train.json'); b = read_dataset(tmp_path / 'donor_selection_test.json')
    assert a[0]['context'] != b[0]['context']   # splits use different seeds

def test_jsonl_variable_lengths_and_same_bytes(tmp_path):
    args = ('--n-train', 30, '--n-val', 0, '--n-test', 10, '--format', 'jsonl', '--min-candidates', 3, '--max-candidates', 14, '--noise', 0.1)
    assert gen(*args, '--out', tmp_path / 'a').returncode == 0
    assert gen(*args, '--out', tmp_path / 'b').returncode == 0
    for s in SPLITS:
        assert (tmp_path / 'a' / f'donor_selection_{s}.jsonl').read_bytes() == (tmp_path / 'b' / f'donor_selection_{s}.jsonl').read_bytes()
    lens = {len(e['candidates']) for e in read_dataset(tmp_path / 'a' / 'donor_selection_train.jsonl')}
    assert min(lens) >= 3 and max(lens) <= 14 and len(lens) > 3

def test_underscore_flags_work_too(tmp_path):
    assert gen('--n_train', 2, '--n_val', 1, '--n_test', 1, '--out', tmp_path).returncode == 0

def test_mix(tmp_path):
    assert gen('--n-train', 10, '--n-val', 0, '--n-test', 0, '--mix', 'near_ties=1', '--out', tmp_path).returncode == 0
    assert {e['meta']['scenario'] for e in read_dataset(tmp_path / 'donor_selection_train.json')} == {'near_ties'}

@pytest.mark.parametrize('args, msg', [
    (('--n-train', -1), '--n-train'),
    (('--n-test', -5), '--n-test'),
    (('--min-candidates', 8, '--max-candidates', 4), 'larger than'),
    (('--min-candidates', 0), '--min-candidates'),
    (('--format', 'csv'), 'json or jsonl'),
    (('--noise', -0.1), '--noise'),
    (('--seed', -1), '--seed'),
    (('--mix', 'nonsense=1'), 'unknown scenario'),
])
def test_bad_arguments(tmp_path, args, msg):
    out = tmp_path / 'out'
    r = gen(*args, '--n-val', 1, '--out', out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and 'error' in lines[0] and msg in lines[0], r.stderr
    assert 'Traceback' not in r.stderr
    assert not out.exists() or not any(out.iterdir())

def test_unwritable_out(tmp_path):
    f = tmp_path / 'a_file'; f.write_text('x')
    for out in (f, f / 'sub'):
        r = gen('--n-train', 2, '--out', out)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert sorted(os.listdir(tmp_path)) == ['a_file']

@pytest.mark.skipif(os.geteuid() == 0, reason='root can write into read-only folders')
def test_readonly_out(tmp_path):
    ro = tmp_path / 'ro'; ro.mkdir(); ro.chmod(0o500)
    try:
        r = gen('--n-train', 2, '--out', ro)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
        assert not any(ro.iterdir())
    finally: ro.chmod(0o700)
