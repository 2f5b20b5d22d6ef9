"""Bad input and bad checkpoints, for every console script that reads data or checkpoints.

Each bad data file of the list below is given to `donor_rank_train` (as `--train` and as `--val`),
`donor_rank_evaluate` and `donor_rank_inspect` (`--data`); each bad checkpoint to evaluate, inspect
and `donor_rank_train --resume`. Every run must exit with status 2 and exactly one stderr line that
names the file (and the example and field where they apply), print no traceback and leave nothing
half-written. Scoring data with an unseen category or a missing feature must work, with a warning.

A real console-script process spends ~1.5 s importing torch, and there are ~100 command lines, so they
run in a fork server: one process imports the package once, then forks a child per command line (a
few at a time) that runs the console script's own entry point (`importlib.metadata`) with that argv,
stdout and stderr redirected at the file-descriptor level, and exits with its status, exactly like the
script. A sample of the cases also runs as real `.venv/bin/donor_rank_*` subprocesses, which must give
the same status and stderr. The session's tiny model (conftest's `tiny_run`) serves the lot; the file
takes seconds.
"""
from __future__ import annotations
import copy, json, os, shutil, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from donor_rank.synth import generate
from conftest import code_pickle_checkpoint

BIN = Path(sys.executable).parent
TRAIN, EVAL, INSPECT, LRFIND = (str(BIN / f'donor_rank_{s}') for s in ('train', 'evaluate', 'inspect', 'lr_find'))
TINY = ['--epochs', '1', '--d', '8', '--batch-size', '16', '--quiet']   # never reached on bad input; cheap if it were


def _doc(ds):
    return {'schema_version': 1, 'task_type': ds.task_type, 'examples': copy.deepcopy(ds.examples)}


def _ex(i, f):
    "A mutation of example `i` of the document."
    def m(doc): f(doc['examples'][i])
    return m


def _feat(i, j, name, value):
    return _ex(i, lambda ex: ex['candidates'][j]['features'].__setitem__(name, value))


def _dup_id(doc): doc['examples'][2]['id'] = doc['examples'][1]['id']


# name -> (content: bytes | None (no file) | mutation of the JSON document, words the error line must hold
# besides the file name; '{id1}'/'{id2}' stand for the ids of examples 1 and 2)
BAD = {
    'empty': (b'', ['file is empty']),
    'truncated': ('truncate', ['invalid JSON', 'truncated']),
    'binary': (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe', ['not a text file']),
    'missing_file': (None, ['no such file']),
    'schema_version': (lambda d: d.update(schema_version=2), ["field 'schema_version'", 'not supported']),
    'task_type_unknown': (lambda d: d.update(task_type='donor-selection'), ["field 'task_type'", 'unknown']),
    'task_type_other': (lambda d: d.update(task_type='ranking'), ["'ranking'"]),
    'no_examples': (lambda d: d.pop('examples'), ["field 'examples'", 'missing']),
    'empty_candidates': (_ex(1, lambda ex: ex.update(candidates=[])), ["example 1 (id '{id1}')", "field 'candidates'", 'empty']),
    'label_out_of_range': (_ex(1, lambda ex: ex.update(label=len(ex['candidates']))), ["example 1 (id '{id1}')", "field 'label'"]),
    'label_negative': (_ex(1, lambda ex: ex.update(label=-1)), ["example 1 (id '{id1}')", "field 'label'"]),
    'feature_list': (_feat(1, 2, 'age', [30, 40]), ["example 1 (id '{id1}')", "field 'candidates[2].features.age'"]),
    'feature_object': (_feat(1, 2, 'age', {'years': 30}), ["example 1 (id '{id1}')", "field 'candidates[2].features.age'"]),
    'candidate_no_features': (_ex(1, lambda ex: ex['candidates'][0].pop('features')), ["example 1 (id '{id1}')", "field 'candidates[0].features'", 'missing']),
    'context_not_object': (_ex(1, lambda ex: ex.update(context=[1, 2])), ["example 1 (id '{id1}')", "field 'context'"]),
    'relevance_length': (_ex(1, lambda ex: ex.update(relevance=ex['relevance'][:-1])), ["example 1 (id '{id1}')", "field 'relevance'"]),
    'duplicate_ids': (_dup_id, ["example 2 (id '{id1}')", "field 'id'", 'duplicate']),
    'nan': (_feat(1, 2, 'age', float('nan')), ["example 1 (id '{id1}')", "field 'candidates[2].features.age'", 'NaN']),
    'infinity': (_feat(1, 2, 'age', float('inf')), ["example 1 (id '{id1}')", "field 'candidates[2].features.age'", 'nfinit']),
}
ROLES = ('train', 'val', 'evaluate', 'inspect', 'lr_find')
CKPTS = ('text', 'empty', 'truncated', 'code_pickle', 'other_task', 'other_version')
CKPT_WORDS = {'text': ['a text file'], 'empty': ['an empty file'], 'truncated': ['truncated or corrupt'],
              'code_pickle': ['refused', 'nothing in it was run'], 'other_task': ["task type 'ranking'"],
              'other_version': ["'99.0.0'", 'incompatible']}
CK_ROLES = ('evaluate', 'inspect', 'resume')


def _write_bad(p: Path, name: str, good_doc: dict) -> Path:
    "Write case `name` of a good document to `p` (nothing for the missing file)."
    content = BAD[name][0]
    if content is None: return p
    if isinstance(content, bytes): p.write_bytes(content); return p
    if content == 'truncate': p.write_text(json.dumps(good_doc)[:3000]); return p
    doc = copy.deepcopy(good_doc)
    content(doc)
    p.write_text(json.dumps(doc))                       # allow_nan: NaN / Infinity are written as such
    return p


def _bad_ckpt(d: Path, name: str, good: Path) -> Path:
    p = d / 'ck' / f'{name}.pt'
    raw = good.read_bytes()
    if name == 'text': p.write_text('{"not": "a checkpoint"}\n')
    elif name == 'empty': p.write_bytes(b'')
    elif name == 'truncated': p.write_bytes(raw[: len(raw) // 2])
    elif name == 'code_pickle': code_pickle_checkpoint(p, d / 'PWNED')
    else:
        ck = torch.load(good, weights_only=True)
        if name == 'other_task': ck['task_type'] = 'ranking'
        else: ck['package_version'] = '99.0.0'
        torch.save(ck, p)
    return p


ENV = {k: v for k, v in os.environ.items() if k != 'DONOR_RANK_DEBUG'} | {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}

FORK_SERVER = r"""
import json, os, sys, tempfile, traceback
from importlib.metadata import entry_points
import torch, donor_rank.train, donor_rank.cli, donor_rank.inference   # imported once, shared by every child
cmds, width, limit = json.load(sys.stdin)
mains = {ep.name: ep for ep in entry_points(group='console_scripts') if ep.name.startswith('donor_rank_')}
tmp, res, running, todo = tempfile.mkdtemp(), {}, {}, list(enumerate(cmds))

def child(i, argv):
    for fd, nm in ((1, 'out'), (2, 'err')):
        f = os.open(os.path.join(tmp, f'{i}.{nm}'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(f, fd); os.close(f)
    import signal; signal.alarm(limit)
    sys.argv = list(argv)
    try: code = mains[os.path.basename(argv[0])].load()()          # what the console script runs...
    except SystemExit as e: code = e.code                          # ...and how it exits
    except BaseException: traceback.print_exc(); code = 1
    code = 0 if code is None else code if isinstance(code, int) else (print(code, file=sys.stderr) or 1)
    sys.stdout.flush(); sys.stderr.flush(); os._exit(code)

while todo or running:
    while todo and len(running) < width:
        i, argv = todo.pop(0)
        pid = os.fork()
        if pid == 0: child(i, argv)
        running[pid] = i
    pid, st = os.wait()
    i = running.pop(pid)
    rd = lambda nm: open(os.path.join(tmp, f'{i}.{nm}'), encoding='utf-8', errors='replace').read()
    res[i] = [os.waitstatus_to_exitcode(st), rd('out'), rd('err')]
json.dump([res[i] for i in range(len(cmds))], sys.stdout)
"""


def run_many(cmds: list, cwd, width: int = 4, limit: int = 120) -> list:
    "Run console-script command lines (argv lists) in a fork server; [(status, stdout, stderr)] in order."
    r = subprocess.run([sys.executable, '-c', FORK_SERVER], input=json.dumps([cmds, width, limit]), capture_output=True,
                       text=True, env=ENV, cwd=cwd, timeout=600)
    assert r.returncode == 0, r.stderr
    return [tuple(x) for x in json.loads(r.stdout)]


def run_real(cmd, cwd):
    "One real console-script subprocess."
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=cwd, timeout=300)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_run):
    "Take the tiny model, write every bad file, run every command line concurrently; returns (dir, {key: result}, info)."
    d = tmp_path_factory.mktemp('badin')
    for sub in ('bad', 'ck', 'out', 'pred'): (d / sub).mkdir()
    vas = tiny_run.val_ds
    shutil.copy(tiny_run.train, d / 'tr.json')
    shutil.copy(tiny_run.val, d / 'va.json')
    good = tiny_run.checkpoint
    cmds, info = {}, {'ids': [ex['id'] for ex in vas.examples]}
    small_tr = _doc(generate(6, seed=1))                 # the --train files: the same mutations of a small training set
    for name in BAD:
        pv = _write_bad(d / 'bad' / f'va_{name}.json', name, _doc(vas))
        pt = _write_bad(d / 'bad' / f'tr_{name}.json', name, small_tr)
        info[name] = {'train': pt, 'val': pv, 'evaluate': pv, 'inspect': pv, 'lr_find': pt}
        cmds[('data', name, 'train')] = [TRAIN, '--train', str(pt), '--val', str(d / 'va.json'), '--out', str(d / 'out' / f'tr_{name}'), *TINY]
        cmds[('data', name, 'val')] = [TRAIN, '--train', str(d / 'tr.json'), '--val', str(pv), '--out', str(d / 'out' / f'va_{name}'), *TINY]
        cmds[('data', name, 'evaluate')] = [EVAL, '--checkpoint', str(good), '--data', str(pv), '--out', str(d / 'pred' / f'{name}.jsonl')]
        cmds[('data', name, 'inspect')] = [INSPECT, '--checkpoint', str(good), '--data', str(pv)]
        cmds[('data', name, 'lr_find')] = [LRFIND, '--train', str(pt), '--out', str(d / 'out' / f'lr_{name}'), '--steps', '5']
    info['small_tr_ids'] = [ex['id'] for ex in small_tr['examples']]
    # checkpoint cases
    for name in CKPTS:
        p = _bad_ckpt(d, name, good)
        rd = d / 'out' / f'resume_{name}'; rd.mkdir()
        shutil.copy(p, rd / 'last_model.pt')
        info[('ck', name)] = p
        cmds[('ck', name, 'evaluate')] = [EVAL, '--checkpoint', str(p), '--data', str(d / 'va.json'), '--out', str(d / 'pred' / f'ck_{name}.jsonl')]
        cmds[('ck', name, 'inspect')] = [INSPECT, '--checkpoint', str(p), '--data', str(d / 'va.json')]
        cmds[('ck', name, 'resume')] = [TRAIN, '--train', str(d / 'tr.json'), '--val', str(d / 'va.json'), '--out', str(rd), '--resume', *TINY]
    # scoring-time data that must work: a category never seen in training, a feature missing from the data
    unseen, absent, other = _doc(vas), _doc(vas), _doc(vas)
    for ex in unseen['examples']:
        ex['context']['abo'] = 'never-seen'
    for ex in absent['examples']:
        for c in ex['candidates']: c['features'].pop('age')
    for ex in other['examples']:
        for c in ex['candidates']: c['features'] = {'f1': 0.5, 'f2': 1}
    for nm, doc in (('unseen', unseen), ('absent', absent), ('other_features', other)):
        (d / f'{nm}.json').write_text(json.dumps(doc))
        cmds[('score', nm, 'evaluate')] = [EVAL, '--checkpoint', str(good), '--data', str(d / f'{nm}.json'), '--out', str(d / 'pred' / f'score_{nm}.jsonl')]
        cmds[('score', nm, 'inspect')] = [INSPECT, '--checkpoint', str(good), '--data', str(d / f'{nm}.json'), '--num-samples', '2']
    keys = list(cmds)
    res = dict(zip(keys, run_many([cmds[k] for k in keys], d)))
    info['cmds'] = cmds
    return d, res, info


def _one_error_line(res, prog):
    code, so, se = res
    assert 'Traceback' not in se, se
    assert code == 2, (code, se)
    assert se.endswith('\n') and len(se.splitlines()) == 1, se
    line = se.rstrip('\n')
    assert line.startswith(f'donor_rank_{prog}: error: '), line
    assert so == '', so
    return line


@pytest.mark.parametrize('name,role', [(n, r) for n in BAD for r in ROLES
                                       if (n, r) != ('task_type_other', 'lr_find')])   # lr_find reads one file: any valid task type is fine
def test_bad_data(runs, name, role):
    d, res, info = runs
    prog = {'val': 'train'}.get(role, role)
    line = _one_error_line(res[('data', name, role)], prog)
    f = info[name][role]
    assert str(f) in line, (f, line)                                   # names the bad file
    ids = info['small_tr_ids'] if role in ('train', 'lr_find') else info['ids']
    for w in BAD[name][1]:
        w = w.replace('{id1}', ids[1]).replace('{id2}', ids[2])
        assert w in line, (w, line)
    if role in ('train', 'val', 'lr_find'):                            # the run folder holds nothing
        out = d / 'out' / f"{dict(train='tr', val='va', lr_find='lr')[role]}_{name}"
        assert not out.exists() or not list(out.iterdir()), list(out.iterdir())
    if role == 'evaluate':
        assert not (d / 'pred' / f'{name}.jsonl').exists()


@pytest.mark.parametrize('role', CK_ROLES)
@pytest.mark.parametrize('name', CKPTS)
def test_bad_checkpoint(runs, name, role):
    d, res, info = runs
    line = _one_error_line(res[('ck', name, role)], 'train' if role == 'resume' else role)
    p = info[('ck', name)]
    if role == 'resume':
        rd = d / 'out' / f'resume_{name}'
        assert str(rd / 'last_model.pt') in line, line
        assert [x.name for x in rd.iterdir()] == ['last_model.pt']       # nothing else written...
        assert (rd / 'last_model.pt').read_bytes() == p.read_bytes()    # ...and the checkpoint untouched
    else:
        assert str(p) in line, line
    for w in CKPT_WORDS[name]: assert w in line, (w, line)
    if role == 'evaluate': assert not (d / 'pred' / f'ck_{name}.jsonl').exists()


def test_code_pickle_never_ran(runs):
    d, res, _ = runs
    assert all(res[('ck', 'code_pickle', r)][0] == 2 for r in CK_ROLES)
    assert not (d / 'PWNED').exists()


@pytest.mark.parametrize('role', ('evaluate', 'inspect'))
@pytest.mark.parametrize('name,words', [('unseen', ['context.abo', 'never seen in training', 'unknown']),
                                        ('absent', ['candidate.age', 'scored as missing'])])
def test_scoring_time_not_fatal(runs, name, words, role):
    d, res, info = runs
    code, so, se = res[('score', name, role)]
    assert code == 0 and 'Traceback' not in se, se
    lines = se.splitlines()
    assert lines and all(ln.startswith(f'donor_rank_{role}: warning: ') for ln in lines), se
    assert any(all(w in ln for w in words) for ln in lines), se
    if role == 'evaluate': assert len((d / 'pred' / f'score_{name}.jsonl').read_text().splitlines()) == len(info['ids'])


@pytest.mark.parametrize('role', ('evaluate', 'inspect'))
def test_other_feature_set_refused(runs, role):
    d, res, _ = runs
    line = _one_error_line(res[('score', 'other_features', role)], role)
    assert f"{d / 'other_features.json'}: the data shares no candidate features with the checkpoint (trained on: " in line, line
    assert line.endswith('the data has: f1, f2)'), line
    if role == 'evaluate': assert not (d / 'pred' / 'score_other_features.jsonl').exists()


def test_no_temporary_files_left(runs):
    d, _, _ = runs
    left = [p for p in d.rglob('*') if p.name.startswith('.') or p.suffix == '.tmp']
    assert not left, left


REAL = [('data', 'binary', 'evaluate'), ('data', 'nan', 'inspect'), ('data', 'label_negative', 'val'),
        ('ck', 'code_pickle', 'resume'), ('ck', 'code_pickle', 'evaluate'), ('score', 'absent', 'evaluate')]


def test_real_console_scripts_agree(runs):
    "A sample run as real `.venv/bin` subprocesses (concurrently) gives the fork server's status and stderr."
    d, res, info = runs
    with ThreadPoolExecutor(max_workers=len(REAL)) as pool:
        real = list(pool.map(lambda k: run_real(info['cmds'][k], d), REAL))
    for k, (code, so, se) in zip(REAL, real):
        assert 'Traceback' not in se, se
        assert (code, se) == res[k][::2], (k, se, res[k][2])
    assert not (d / 'PWNED').exists()
