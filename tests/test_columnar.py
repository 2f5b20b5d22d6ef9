"""Columnar data sets: the fast LETOR path against scikit-learn, DataFrames and Parquet, big grades.

The fast LETOR reader must give exactly what the scikit-learn path gives (the data set of the old
per-row reader) on any well-formed file, and decline anything else so that the old messages stand.
"""
from __future__ import annotations
import subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from donor_rank.io import fast_svmlight, read_dataset, read_svmlight, write_dataset
from donor_rank.schema import DataError, Dataset, validate_dataset
from donor_rank.synth import generate

BIN = Path(sys.executable).parent


def _sklearn(path):
    from sklearn.datasets import load_svmlight_file
    X, y, q = load_svmlight_file(str(path), query_id=True, zero_based=True)
    return X.toarray(), y, q


number = st.one_of(st.integers(-10**6, 10**6).map(str),
                   st.floats(-1e9, 1e9, allow_nan=False).map(repr),
                   st.sampled_from(['1e-7', '-0.0', '3.', '.5', '+2']))


@st.composite
def letor_lines(draw):
    "A well-formed LETOR file: lines `g qid:q i:v ...`, indices increasing, optional comments."
    out = []
    for q in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(1, 5))):
            idx = sorted(draw(st.sets(st.integers(0, 40), max_size=8)))
            toks = [draw(st.sampled_from(['0', '1', '2', '4'])), f'qid:{q}']
            toks += [f'{i}:{draw(number)}' for i in idx]
            sep = draw(st.sampled_from([' ', '  ', '\t']))
            out.append(sep.join(toks) + draw(st.sampled_from(['', ' # doc', '\r'])))
    return '\n'.join(out) + draw(st.sampled_from(['', '\n', '\n\n']))


@settings(max_examples=60, deadline=None)
@given(text=letor_lines(), block=st.sampled_from([16, 64, 1 << 20]))
def test_fast_path_matches_sklearn(tmp_path_factory, text, block):
    p = tmp_path_factory.mktemp('l') / 'f.txt'
    p.write_text(text)
    got = fast_svmlight(p, block_bytes=block)
    assert got is not None
    dense, zero, y, q = got
    X, y2, q2 = _sklearn(p)
    width = max(dense.shape[1], X.shape[1])
    pad = lambda a: np.pad(a, ((0, 0), (0, width - a.shape[1])))
    np.testing.assert_array_equal(pad(dense), pad(X))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(q, q2)


def test_read_svmlight_same_examples_as_sklearn_path(tmp_path):
    "Fast and careful paths give the same data set (the comment forces nothing: both read it)"
    p = tmp_path / 'a.txt'
    p.write_text('2 qid:7 1:0.5 3:1 # a\n0 qid:7 2:1\n1 qid:8 0:2 3:2.5\n')
    ds = read_svmlight(p)
    assert ds.is_columnar
    assert ds[1] == {'id': '8', 'context': {}, 'candidates': [
        {'id': '8-0', 'features': {'f1': 0.0, 'f2': 0.0, 'f3': 2.5, 'f0': 2.0}}],
        'label': 0, 'relevance': [1]}


def test_any_grade_reads_negative_is_one_line(tmp_path):
    "Grades are data of any size (the losses keep gains finite); a negative one is one line."
    p = tmp_path / 'big.txt'
    p.write_text('1 qid:1 1:1\n300 qid:1 1:2\n')
    assert read_dataset(p)[0]['relevance'] == [1, 300]
    p.write_text('1 qid:1 1:1\n-3 qid:1 1:2\n')
    with pytest.raises(DataError) as e:
        read_dataset(p)
    assert str(e.value) == (f"{p}: example 0 (id '1'): field 'relevance[1]': value -3 is"
                            " negative; relevance grades are >= 0")


def test_validate_cli_refuses_negative_grade(tmp_path):
    p = tmp_path / 'neg.txt'
    p.write_text('-1 qid:1 1:1\n')
    r = subprocess.run([str(BIN / 'donor_rank_validate'), str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count('\n') == 1 and "field 'relevance[0]': value -1 is negative" in r.stderr


def test_frame_and_parquet_round_trip(tmp_path):
    ds = generate(6, seed=3)
    cols = Dataset.from_columns(ds.columns, ds.task_type)
    validate_dataset(cols)
    p = write_dataset(ds, tmp_path / 'g.parquet')
    back = read_dataset(p)
    assert back.is_columnar and back.task_type == 'donor_selection'
    assert back.examples == read_dataset(write_dataset(cols, tmp_path / 'g.json')).examples


def test_from_frame_trains(tmp_path):
    "A pandas user trains from a long DataFrame without writing JSON"
    from donor_rank.features import Featurizer
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({'search': np.repeat(np.arange(40), 10), 'x': rng.random(n),
                       'cat': rng.choice(['a', 'b', None], n), 'grade': rng.integers(0, 3, n)})
    ds = validate_dataset(Dataset.from_frame(df, 'search', relevance='grade'))
    b = Featurizer().fit(ds).encode(ds)
    assert tuple(b.cand_num.shape[:2]) == (40, 10)
    np.testing.assert_array_equal(b.target.numpy().ravel(), df['grade'].to_numpy(np.float32))
