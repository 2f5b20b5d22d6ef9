"""`donor_rank_validate` on bad input: exit 2, one stderr line naming file/example/field, no traceback.
Also: atomic writes leave the old file intact and no temporary litter."""
import json, os, signal, subprocess, sys, textwrap
from pathlib import Path

import pytest

from donor_rank.schema import DataError, Dataset
from donor_rank.io import atomic_write, read_dataset, write_dataset
import donor_rank.io as dr_io

VALIDATE = Path(sys.executable).parent / 'donor_rank_validate'
pytestmark = pytest.mark.skipif(not VALIDATE.exists(), reason='console script not installed (pip install -e .)')


def good_doc(n=3, k=4):
    return {'schema_version': 1, 'task_type': 'donor_selection', 'examples': [
        {'id': f'P{i:04d}', 'context': {'age': 50 + i, 'sex': 'F', 'cmv': False},
         'candidates': [{'id': f'D{i}-{j}', 'features': {'age': 20 + j, 'hla_match': 8, 'dpb1': None}} for j in range(k)],
         'label': 0, 'relevance': [1] + [0] * (k - 1), 'oracle': 1, 'utility': [0.5] * k} for i in range(n)]}


def mutated(change):
    d = good_doc(); change(d); return json.dumps(d)


def ex1(d): return d['examples'][1]


def jsonl(examples, version=1):
    return '\n'.join([json.dumps({'schema_version': version, 'task_type': 'donor_selection'})] + [json.dumps(e) for e in examples])


# (name, file name, content (str | bytes | None = do not create), extra args, substrings expected in the error line)
CASES = [
    ('empty', 'x.json', '', [], ['file is empty']),
    ('whitespace', 'x.jsonl', '  \n\n', [], ['file is empty']),
    ('truncated', 'x.json', json.dumps(good_doc())[:150], [], ['invalid JSON', 'truncated']),
    ('binary', 'x.json', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR', [], ['not a text file']),
    ('latin1', 'x.json', '{"schema_version": 1, "task_type": "caf\xe9"}'.encode('latin-1'), [], ['not UTF-8']),
    ('missing file', 'nope.json', None, [], ['No such file or directory']),
    ('top-level list', 'x.json', '[]', [], ['top level is a list']),
    ('schema_version 2', 'x.json', mutated(lambda d: d.update(schema_version=2)), [], ["field 'schema_version'", 'not supported']),
    ('schema_version true', 'x.json', mutated(lambda d: d.update(schema_version=True)), [], ["field 'schema_version'"]),
    ('schema_version missing', 'x.json', mutated(lambda d: d.pop('schema_version')), [], ["field 'schema_version': missing"]),
    ('task_type unknown', 'x.json', mutated(lambda d: d.update(task_type='regression')), [], ["field 'task_type'", 'unknown']),
    ('task_type mismatch', 'x.json', json.dumps(good_doc()), ['--task_type', 'ranking'], ["field 'task_type'", "'ranking' was asked for"]),
    ('task-type dashed mismatch', 'x.json', json.dumps(good_doc()), ['--task-type', 'ranking'], ["field 'task_type'", "'ranking' was asked for"]),
    ('task_type arg invalid', 'x.json', json.dumps(good_doc()), ['--task_type', 'nonsense'], ['task_type must be one of']),
    ('examples missing', 'x.json', mutated(lambda d: d.pop('examples')), [], ["field 'examples': missing"]),
    ('examples not list', 'x.json', mutated(lambda d: d.update(examples={})), [], ["field 'examples': value is an object"]),
    ('unknown top-level key', 'x.json', mutated(lambda d: d.update(exmaples=[])), [], ["field 'exmaples': unknown top-level key"]),
    ('empty candidates', 'x.json', mutated(lambda d: ex1(d).update(candidates=[])), [], ["example 1 (id 'P0001'): field 'candidates': empty list"]),
    ('label out of range', 'x.json', mutated(lambda d: ex1(d).update(label=4)), [], ["example 1 (id 'P0001'): field 'label': value 4 is out of range"]),
    ('label negative', 'x.json', mutated(lambda d: ex1(d).update(label=-1)), [], ["field 'label': value -1 is out of range"]),
    ('label bool', 'x.json', mutated(lambda d: ex1(d).update(label=True)), [], ["field 'label': value is a bool"]),
    ('label float', 'x.json', mutated(lambda d: ex1(d).update(label=1.0)), [], ["field 'label': value is a number"]),
    ('label string', 'x.json', mutated(lambda d: ex1(d).update(label='1')), [], ["field 'label': value is a string"]),
    ('oracle out of range', 'x.json', mutated(lambda d: ex1(d).update(oracle=9)), [], ["field 'oracle': value 9 is out of range"]),
    ('feature list', 'x.json', mutated(lambda d: ex1(d)['candidates'][2]['features'].update(age=[1, 2])), [],
     ["example 1 (id 'P0001'): field 'candidates[2].features.age': value is a list; expected number, string, bool or null"]),
    ('feature object', 'x.json', mutated(lambda d: ex1(d)['candidates'][0]['features'].update(hla={'A': 1})), [],
     ["field 'candidates[0].features.hla': value is an object"]),
    ('context feature list', 'x.json', mutated(lambda d: ex1(d)['context'].update(age=[54])), [], ["field 'context.age': value is a list"]),
    ('candidate without features', 'x.json', mutated(lambda d: ex1(d)['candidates'][3].pop('features')), [],
     ["field 'candidates[3].features': missing"]),
    ('candidate not object', 'x.json', mutated(lambda d: ex1(d)['candidates'].__setitem__(0, 'D1')), [], ["field 'candidates[0]': value is a string"]),
    ('context not object', 'x.json', mutated(lambda d: ex1(d).update(context=[54, 'M'])), [], ["field 'context': value is a list"]),
    ('context missing', 'x.json', mutated(lambda d: ex1(d).pop('context')), [], ["field 'context': missing"]),
    ('relevance wrong length', 'x.json', mutated(lambda d: ex1(d).update(relevance=[1, 0])), [], ["field 'relevance': has 2 values but the example has 4 candidates"]),
    ('relevance non-numeric', 'x.json', mutated(lambda d: ex1(d).update(relevance=[1, 0, 'high', 0])), [], ["field 'relevance[2]': value is a string"]),
    ('relevance negative', 'x.json', mutated(lambda d: ex1(d).update(relevance=[1, 0, -2, 0])), [], ["field 'relevance[2]': value -2 is negative"]),
    ('utility wrong length', 'x.json', mutated(lambda d: ex1(d).update(utility=[0.1])), [], ["field 'utility': has 1 values"]),
    ('utility bool', 'x.json', mutated(lambda d: ex1(d).update(utility=[0.1, True, 0, 0])), [], ["field 'utility[1]': value is a bool"]),
    ('duplicate example ids', 'x.json', mutated(lambda d: d['examples'][2].update(id='P0000')), [],
     ["example 2 (id 'P0000'): field 'id': duplicate example id (also example 0)"]),
    ('duplicate candidate ids', 'x.json', mutated(lambda d: ex1(d)['candidates'][2].update(id='D1-0')), [],
     ["field 'candidates[2].id': duplicate candidate id 'D1-0'"]),
    ('id not string', 'x.json', mutated(lambda d: ex1(d).update(id=7)), [], ["example 1 (id 7): field 'id': value is a number"]),
    ('unknown example key', 'x.json', mutated(lambda d: ex1(d).update(relevence=[0, 0, 0, 1])), [], ["field 'relevence': unknown key"]),
    ('NaN literal', 'x.json', json.dumps(good_doc()).replace('"age": 21', '"age": NaN'), [],
     ["field 'candidates[1].features.age': value is NaN; NaN and Infinity are refused (use null for a missing value)"]),
    ('Infinity literal', 'x.json', json.dumps(good_doc()).replace('"age": 51', '"age": -Infinity'), [],
     ["example 1 (id 'P0001'): field 'context.age': value is -Infinity"]),
    ('overflowing number', 'x.json', json.dumps(good_doc()).replace('"utility": [0.5', '"utility": [1e999', 1), [],
     ["example 0 (id 'P0000'): field 'utility[0]': value is Infinity"]),
    ('jsonl no header', 'x.jsonl', '\n'.join(json.dumps(e) for e in good_doc()['examples']), [], ['must be a header']),
    ('jsonl truncated line', 'x.jsonl', jsonl(good_doc()['examples'])[:-40], [],
     ['line 4: invalid JSON', 'truncated']),
    ('jsonl bad example', 'x.jsonl', jsonl([good_doc()['examples'][0], {**good_doc()['examples'][1], 'label': 5}]), [],
     ["example 1 (id 'P0001'): field 'label'"]),
    ('jsonl header wrong version', 'x.jsonl', jsonl(good_doc()['examples'], version=3), [], ["field 'schema_version'"]),
    ('letor garbage line', 'x.txt', '1 qid:1 1:0.5\n0 qid:1 2:oops\n', [], ['line 2', 'not index:value']),
    ('letor no qid', 'x.txt', '1 1:0.5\n0 2:1\n', [], ['no qid:', 'sidecar']),
    ('letor negative label', 'x.txt', '1 qid:1 1:0.5\n-1 qid:1 2:1\n', [], ["example 0 (id '1'): field 'relevance[1]': value -1 is negative"]),
    ('letor json by mistake', 'x.txt', json.dumps(good_doc()), [], ['looks like JSON']),
    ('directory', 'adir', 'DIR', [], ['Is a directory']),
]


ARG_ERRORS = {'task_type arg invalid'}


@pytest.mark.parametrize('name,fname,content,args,expect', CASES, ids=[c[0] for c in CASES])
def test_validate_bad_input(tmp_path, name, fname, content, args, expect):
    p = tmp_path / fname
    if content == 'DIR': p.mkdir()
    elif isinstance(content, bytes): p.write_bytes(content)
    elif content is not None: p.write_text(content, encoding='utf-8')
    r = subprocess.run([str(VALIDATE), str(p), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ''
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert 'Traceback' not in r.stderr
    assert line.startswith('donor_rank_validate: error: '), line
    if name not in ARG_ERRORS: assert str(p) in line, line  # an argument error is about the flag, not the file
    for s in expect: assert s in line, (s, line)


def test_validate_ok(tmp_path):
    p = tmp_path / 'good.jsonl'
    write_dataset(Dataset(good_doc()['examples']), p)
    r = subprocess.run([str(VALIDATE), str(p)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == ''
    assert r.stdout.count('\n') == 1
    assert 'ok: schema v1 donor_selection, 3 examples, 12 candidates, list length 4-4, 3 labeled' in r.stdout
    assert 'candidate features (3): age, dpb1, hla_match' in r.stdout


def test_validate_in_process(tmp_path, capsys):
    "main(argv) is callable in-process: summary on stdout, or SystemExit(2) with one stderr line"
    from donor_rank.cli import validate_main as main
    p = tmp_path / 'good.json'
    write_dataset(Dataset(good_doc()['examples']), p)
    main([str(p), '--task-type=donor_selection'])
    assert 'ok: schema v1 donor_selection' in capsys.readouterr().out
    with pytest.raises(SystemExit) as e: main([str(tmp_path / 'missing.json')])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'missing.json: No such file or directory' in err


def test_validate_letor_sidecar(tmp_path):
    p = tmp_path / 'rank.train'
    p.write_text('2 1:0.1 3:1\n0 2:1\n1 1:1\n')
    (tmp_path / 'rank.train.query').write_text('2\n1\n')
    r = subprocess.run([str(VALIDATE), str(p)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'ranking, 2 examples, 3 candidates, list length 1-2' in r.stdout and 'f1, f2, f3' in r.stdout


# ---- atomic writes -------------------------------------------------------------------------------------------

def _listing(d): return sorted(os.listdir(d))


def test_write_invalid_leaves_old_file(tmp_path):
    p = tmp_path / 'd.json'
    write_dataset(Dataset(good_doc()['examples']), p)
    before = p.read_bytes()
    bad = Dataset(good_doc()['examples']); bad.examples[1]['label'] = 99
    with pytest.raises(DataError, match="example 1 .*field 'label'"): write_dataset(bad, p)
    assert p.read_bytes() == before and _listing(tmp_path) == ['d.json']


@pytest.mark.parametrize('ext', ['json', 'jsonl'])
def test_write_failing_midway_leaves_old_file(tmp_path, monkeypatch, ext):
    p = tmp_path / f'd.{ext}'
    write_dataset(Dataset(good_doc(n=2)['examples']), p)
    before = p.read_bytes()
    calls, real = [], dr_io._dumps
    def flaky(o):
        calls.append(1)
        if len(calls) == 3: raise OSError(28, 'No space left on device')
        return real(o)
    monkeypatch.setattr(dr_io, '_dumps', flaky)
    with pytest.raises(OSError): write_dataset(Dataset(good_doc(n=5)['examples']), p)
    assert p.read_bytes() == before and _listing(tmp_path) == [p.name]
    monkeypatch.setattr(dr_io, '_dumps', real)
    assert len(read_dataset(p)) == 2


def test_atomic_write_interrupt_and_mode(tmp_path):
    p = tmp_path / 'ck.bin'
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(p, 'wb') as f: f.write(b'partial'); raise KeyboardInterrupt
    assert _listing(tmp_path) == []
    with atomic_write(p, 'wb') as f: f.write(b'x')
    umask = os.umask(0); os.umask(umask)
    assert (p.stat().st_mode & 0o777) == (0o666 & ~umask)
    with pytest.raises(ValueError): atomic_write(p, 'a').__enter__()


def test_atomic_write_survives_kill9(tmp_path):
    "A writer killed with SIGKILL mid-write leaves the old file whole (only its temp file can remain)."
    p = tmp_path / 'data.json'
    p.write_text('OLD')
    code = textwrap.dedent(f'''
        import sys, time
        from donor_rank.io import atomic_write
        with atomic_write({str(p)!r}) as f:
            f.write('NEW' * 100000); f.flush()
            print('ready', flush=True); time.sleep(60)
    ''')
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'ready'
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None: proc.kill()
    assert p.read_text() == 'OLD'
    assert all(n == 'data.json' or (n.startswith('.data.json.') and n.endswith('.tmp')) for n in _listing(tmp_path))
