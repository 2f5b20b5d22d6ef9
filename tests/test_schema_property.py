"""Property tests for the schema readers: random schema-v1-ish documents (valid and corrupted) either load or
raise `DataError`, never another exception; write -> read is the identity for .json and .jsonl."""
import json, math
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from donor_rank.schema import DataError, Dataset, validate_dataset, validate_example
from donor_rank.io import read_dataset, write_dataset

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

text = st.text(st.characters(exclude_categories=('Cs',)), max_size=12)   # any Unicode but lone surrogates
names = st.text(st.characters(exclude_categories=('Cs',)), min_size=1, max_size=10)
ids = st.text(st.characters(exclude_categories=('Cs',)), min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), text)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text),
                           lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(text, kids, max_size=3)),
                           max_leaves=8)


@st.composite
def examples(draw, eid):
    "One valid schema-v1 example with made-up feature names and 1..20 candidates"
    n = draw(st.integers(1, 20))
    feat_names = draw(st.lists(names, max_size=5, unique=True))
    cids = draw(st.lists(ids, min_size=n, max_size=n, unique=True))
    ex = {'id': eid, 'context': draw(st.dictionaries(names, scalars, max_size=4)),
          'candidates': [{'id': c, 'features': {f: draw(scalars) for f in feat_names if draw(st.booleans())}} for c in cids]}
    if draw(st.booleans()): ex['label'] = draw(st.integers(0, n - 1))
    if draw(st.booleans()): ex['oracle'] = draw(st.integers(0, n - 1))
    if draw(st.booleans()):
        ex['relevance'] = draw(st.lists(st.one_of(st.integers(0, 4), st.floats(0, 10)), min_size=n, max_size=n))
    if draw(st.booleans()):
        ex['utility'] = draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=n, max_size=n))
    if draw(st.booleans()): ex['meta'] = draw(st.dictionaries(names, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3))
    return ex


@st.composite
def datasets(draw, max_examples=6, min_examples=0):
    eids = draw(st.lists(ids, min_size=min_examples, max_size=max_examples, unique=True))
    return Dataset([draw(examples(e)) for e in eids], task_type=draw(st.sampled_from(['donor_selection', 'ranking'])))


def to_doc(ds):
    return {'schema_version': ds.schema_version, 'task_type': ds.task_type, 'examples': ds.examples}


def _paths(doc):
    "Every (container, key) position inside a JSON document"
    out = []
    def walk(o):
        if isinstance(o, dict):
            for k in list(o): out.append((o, k)); walk(o[k])
        elif isinstance(o, list):
            for i in range(len(o)): out.append((o, i)); walk(o[i])
    walk(doc)
    return out


@st.composite
def corrupted_docs(draw):
    "A valid document with a few random edits: replaced values (NaN, lists, objects, ...), deleted or added keys"
    doc = json.loads(json.dumps(to_doc(draw(datasets(min_examples=1)))))
    for _ in range(draw(st.integers(1, 3))):
        inner = isinstance(doc, dict) and isinstance(doc.get('examples'), list) and draw(st.integers(0, 9)) > 0
        spots = _paths(doc['examples']) if inner else _paths(doc)   # mostly inside the examples
        op = draw(st.sampled_from(['replace', 'delete', 'add', 'top']))
        if op == 'top' or not spots:
            doc = draw(st.one_of(json_values, st.just(doc)))
            if isinstance(doc, dict) and draw(st.booleans()): doc[draw(st.sampled_from(['schema_version', 'task_type', 'examples', 'x']))] = draw(json_values)
            continue
        parent, key = draw(st.sampled_from(spots))
        if op == 'replace':
            parent[key] = draw(st.one_of(json_values, st.sampled_from([math.nan, math.inf, -math.inf, True, -1, 10**6, 1.5, [], {}])))
        elif op == 'delete':
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(text)] = draw(json_values)
        else:
            parent.insert(key, draw(json_values))
    return doc


def _load_or_dataerror(path):
    "read_dataset must return a valid Dataset or raise DataError, nothing else"
    try: ds = read_dataset(path)
    except DataError as e:
        assert '\n' not in str(e) and str(path) in str(e)
        return None
    validate_dataset(ds)
    return ds


@SETTINGS
@given(ds=datasets(), ext=st.sampled_from(['json', 'jsonl']))
def test_roundtrip_identity(tmp_path, ds, ext):
    p = tmp_path / f'rt.{ext}'
    write_dataset(ds, p)
    back = read_dataset(p)
    assert back == ds
    assert back.task_type == ds.task_type and back.schema_version == 1
    write_dataset(back, tmp_path / f'rt2.{ext}')
    assert (tmp_path / f'rt2.{ext}').read_bytes() == p.read_bytes()   # same data, same bytes


@SETTINGS
@given(doc=corrupted_docs(), as_jsonl=st.booleans())
def test_corrupted_documents_load_or_dataerror(tmp_path, doc, as_jsonl):
    if as_jsonl and isinstance(doc, dict) and isinstance(doc.get('examples'), list):
        hdr = {k: v for k, v in doc.items() if k != 'examples'}
        lines = [json.dumps(hdr)] + [json.dumps(e) for e in doc['examples']]
        p = tmp_path / 'c.jsonl'; p.write_text('\n'.join(lines), encoding='utf-8')
    else:
        p = tmp_path / 'c.json'; p.write_text(json.dumps(doc), encoding='utf-8')
    _load_or_dataerror(p)


@SETTINGS
@given(ds=datasets(max_examples=3), ext=st.sampled_from(['json', 'jsonl']), data=st.data())
def test_damaged_bytes_load_or_dataerror(tmp_path, ds, ext, data):
    "Truncated files, flipped bytes and inserted junk (binary, NaN literals) never escape as another exception"
    p = tmp_path / f'b.{ext}'
    write_dataset(ds, p)
    raw = p.read_bytes()
    op = data.draw(st.sampled_from(['truncate', 'flip', 'insert']))
    i = data.draw(st.integers(0, len(raw)))
    if op == 'truncate': raw = raw[:i]
    elif op == 'flip': raw = raw[:i] + bytes([data.draw(st.integers(0, 255))]) + raw[i + 1:]
    else: raw = raw[:i] + data.draw(st.sampled_from([b'NaN', b'-Infinity', b'1e999', b'\x00', b'\xff\xfe', b'"', b',', b'{', b']', b'\n'])) + raw[i:]
    p.write_bytes(raw)
    _load_or_dataerror(p)


@SETTINGS
@given(lines=st.lists(st.text(st.sampled_from('0123456789 :.-qid#\nabe+'), max_size=40), min_size=1, max_size=8),
       sidecar=st.one_of(st.none(), st.text(st.sampled_from('0123456789 \n-'), max_size=10)))
def test_svmlight_random_text_load_or_dataerror(tmp_path, lines, sidecar):
    p = tmp_path / 'r.txt'
    p.write_text('\n'.join(lines))
    q = Path(str(p) + '.query')
    if sidecar is not None: q.write_text(sidecar)
    elif q.exists(): q.unlink()
    _load_or_dataerror(p)


@SETTINGS
@given(ex=json_values, index=st.integers(0, 10**6))
def test_validate_example_any_json(ex, index):
    "Arbitrary JSON values as an example: DataError or pass, never another exception"
    try: validate_example(ex, index, file='f.json')
    except DataError as e: assert f'example {index}' in str(e)
