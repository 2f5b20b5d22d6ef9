"""The console scripts `donor_rank_evaluate` and `donor_rank_inspect`, run as real subprocesses.

They use the session's tiny model (conftest's `tiny_run`); every command line is started at once
(they are independent) and the tests read their results, which keeps the file well under a minute on
2 cores. The code-running pickle is tested once, for every console script, in `test_bad_input_clis.py`.
"""
from __future__ import annotations
import copy, json, os, shutil, subprocess, sys, time
from pathlib import Path

import pytest

from donor_rank.io import write_dataset

BIN = Path(sys.executable).parent
EVAL, INSPECT = str(BIN / 'donor_rank_evaluate'), str(BIN / 'donor_rank_inspect')


def _strip_labels(ds):
    ds = copy.deepcopy(ds)
    for ex in ds.examples:
        for k in ('label', 'relevance', 'oracle', 'utility'): ex.pop(k, None)
    return ds


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_run):
    "Take the tiny model, then run every command line concurrently; {name: (returncode, stdout, stderr, paths)}."
    d = tmp_path_factory.mktemp('cli')
    shutil.copy(tiny_run.val, d / 'val.json')
    val = tiny_run.val_ds
    ck = str(tiny_run.checkpoint)
    # bad and odd inputs
    write_dataset(_strip_labels(val), d / 'unlabelled.json')
    odd = copy.deepcopy(val)
    for ex in odd.examples:
        ex['context']['abo'] = 'never-seen'
        for c in ex['candidates']: c['features'].pop('age')
    write_dataset(odd, d / 'odd.json')
    raw = Path(ck).read_bytes()
    (d / 'truncated.pt').write_bytes(raw[: len(raw) // 2])
    (d / 'text.pt').write_text('{"not": "a checkpoint"}\n')
    (d / 'bad.json').write_text((d / 'val.json').read_text()[:500])
    base = ['--checkpoint', ck, '--data', str(d / 'val.json'), '--task-type', 'donor_selection']
    cmds = {
        'table': [EVAL, *base, '--out', str(d / 'preds.jsonl')],
        'json': [EVAL, *base, '--json'],
        'inspect': [INSPECT, *base, '--num-samples', '4', '--seed', '3'],
        'unlabelled': [EVAL, '--checkpoint', ck, '--data', str(d / 'unlabelled.json'), '--out', str(d / 'unl.jsonl')],
        'odd': [EVAL, '--checkpoint', ck, '--data', str(d / 'odd.json'), '--json'],
        'task': [EVAL, '--checkpoint', ck, '--data', str(d / 'val.json'), '--task-type', 'ranking', '--out', str(d / 'task.jsonl')],
        'truncated': [EVAL, '--checkpoint', str(d / 'truncated.pt'), '--data', str(d / 'val.json'), '--out', str(d / 'trunc.jsonl')],
        'text': [INSPECT, '--checkpoint', str(d / 'text.pt'), '--data', str(d / 'val.json')],
        'missing': [EVAL, '--checkpoint', ck, '--data', str(d / 'nope.json')],
        'bad_data_eval': [EVAL, '--checkpoint', ck, '--data', str(d / 'bad.json'), '--out', str(d / 'bad.jsonl')],
        'no_ckpt_flag': [EVAL, '--data', str(d / 'val.json')],
    }
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env.pop('DONOR_RANK_DEBUG', None)
    procs = {k: subprocess.Popen(v, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=d)
             for k, v in cmds.items()}
    out = {}
    for k, p in procs.items():
        so, se = p.communicate(timeout=120)
        out[k] = (p.returncode, so, se)
    return d, out


def _ok(res):
    code, so, se = res
    assert code == 0, se
    assert 'Traceback' not in se
    return so, se


def test_evaluate_table_and_predictions(runs):
    d, out = runs
    so, _ = _ok(out['table'])
    for k in ('top1', 'top3', 'mrr', 'ndcg@10', 'spread', 'regret'): assert k in so
    val = json.loads((d / 'val.json').read_text())['examples']
    lines = (d / 'preds.jsonl').read_text().splitlines()
    assert len(lines) == len(val)
    for ln, ex in zip(lines, val):
        p = json.loads(ln)
        ids = [c['id'] for c in ex['candidates']]
        assert p['id'] == ex['id'] and len(p['scores']) == len(ids)
        assert sorted(p['ranking']) == sorted(ids)                       # a permutation of the candidates
        best = max(range(len(ids)), key=lambda j: p['scores'][j])         # scores are in input order
        assert p['ranking'][0] == ids[best]
        assert [p['scores'][ids.index(i)] for i in p['ranking']] == sorted(p['scores'], reverse=True)


def test_evaluate_json(runs):
    so, _ = _ok(runs[1]['json'])
    res = json.loads(so)
    assert res['examples'] == 40 and res['labelled'] == 40
    assert 0 <= res['metrics']['top1'] <= 1 and res['metrics']['top3'] >= res['metrics']['top1']


def test_inspect(runs):
    so, _ = _ok(runs[1]['inspect'])
    assert so.count('== example') == 4
    assert 'chosen' in so and 'oracle' in so and 'features that matter' in so
    last = so.strip().splitlines()[-1]
    assert last.startswith('4 patients: top-1 = recorded choice in') and 'flagged nearly uniform' in last


def test_unlabelled_data_writes_predictions(runs):
    d, out = runs
    so, _ = _ok(out['unlabelled'])
    assert 'need labels' in so and 'top1' not in so
    assert len((d / 'unl.jsonl').read_text().splitlines()) == 40


def test_unseen_category_and_missing_feature(runs):
    so, se = _ok(runs[1]['odd'])
    assert json.loads(so)['examples'] == 40
    warn = [ln for ln in se.splitlines() if ln]
    assert any('candidate.age' in ln and 'scored as missing' in ln for ln in warn), se
    assert any('context.abo' in ln and 'unknown' in ln for ln in warn), se
    assert all(ln.startswith('donor_rank_evaluate: warning:') for ln in warn), se


@pytest.mark.parametrize('name,words', [
    ('task', ["task type 'donor_selection'", "'ranking'"]),
    ('truncated', ['truncated.pt']),
    ('text', ['text.pt', 'not a checkpoint']),
    ('missing', ['nope.json', 'no such file']),
    ('bad_data_eval', ['bad.json']),
    ('no_ckpt_flag', ['--checkpoint']),
])
def test_bad_input_one_line_exit_2(runs, name, words):
    d, out = runs
    code, so, se = out[name]
    assert code == 2, (code, se)
    assert 'Traceback' not in se
    lines = se.strip().splitlines()
    assert len(lines) == 1, se
    assert lines[0].startswith(('donor_rank_evaluate: error:', 'donor_rank_inspect: error:')), se
    for w in words: assert w in lines[0], (w, se)
    assert so == ''


def test_nothing_written_on_failure(runs):
    d, _ = runs
    for f in ('task.jsonl', 'trunc.jsonl', 'bad.jsonl'): assert not (d / f).exists()
    assert not [p for p in d.iterdir() if p.name.startswith('.') or p.suffix == '.tmp']
