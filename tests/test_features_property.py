"Property tests (hypothesis): the featurizer never crashes on schema-v1 values of any kind, and its batches are consistent."
import io, math
import numpy as np, pandas as pd, torch
from hypothesis import given, settings, strategies as st, HealthCheck
from donor_rank.features import Featurizer, SCALES, UNKNOWN, MISSING
from donor_rank.schema import Dataset
from donor_rank.io import read_dataset, write_dataset

NAMES = ['a', 'b', 'c', 'age', 'x y', 'ä']
value = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False),
                  st.sampled_from(['u', 'v', 'w', '', '3', 'ü']))
feats = st.dictionaries(st.sampled_from(NAMES), value, max_size=5)

@st.composite
def examples(draw, labelled=True):
    "A list of schema-v1 example dicts with ragged lists and mixed-type features."
    n = draw(st.integers(1, 6)); out = []
    for i in range(n):
        k = draw(st.integers(1, 7))
        ex = dict(id=f'P{i}', context=draw(feats), candidates=[dict(id=f'D{i}_{j}', features=draw(feats)) for j in range(k)])
        if labelled and draw(st.booleans()): ex['label'] = draw(st.integers(0, k - 1))
        if labelled and draw(st.booleans()): ex['relevance'] = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k))
        out.append(ex)
    return out

def check_batch(feat, exs, b):
    "Shapes, mask, value ranges and targets of `b` agree with `exs`."
    lens = [len(e['candidates']) for e in exs]; N, L = len(exs), max(lens); d = feat.dims
    assert b.cand_num.shape == (N, L, d['cand_num']) and b.ctx_num.shape == (N, d['ctx_num'])
    assert b.cand_cat.shape == (N, L, len(d['cand_cat'])) and b.ctx_cat.shape == (N, len(d['ctx_cat']))
    assert b.mask.sum(1).tolist() == lens
    for t in (b.ctx_num, b.ctx_miss, b.cand_num, b.cand_miss, b.target): assert torch.isfinite(t).all()
    assert ((b.cand_miss == 0) | (b.cand_miss == 1)).all() and (b.cand_num[b.cand_miss == 1] == 0).all()
    for j, card in enumerate(d['cand_cat']): assert (b.cand_cat[..., j] >= 0).all() and (b.cand_cat[..., j] < card).all()
    for j, card in enumerate(d['ctx_cat']): assert (b.ctx_cat[:, j] >= 0).all() and (b.ctx_cat[:, j] < card).all()
    for i, e in enumerate(exs):
        assert b.label[i].item() == e.get('label', -1)
        want = e['relevance'] if 'relevance' in e else [float(j == e.get('label', -1)) for j in range(lens[i])]
        assert b.target[i, :lens[i]].tolist() == [float(x) for x in want] and (b.target[i, lens[i]:] == 0).all()

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(examples(), examples(), st.sampled_from(SCALES))
def test_fit_encode_any_values(train, other, scale):
    "Fit on one random set and encode both it and another with different kinds: no crash, consistent batches."
    feat = Featurizer(scale=scale).fit(train)
    for exs in (train, other):
        check_batch(feat, exs, feat.encode(exs))

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(examples(), st.sampled_from(SCALES))
def test_state_round_trip(exs, scale):
    "`state_dict` survives `torch.save`/`torch.load(weights_only=True)` and encodes identically."
    feat = Featurizer(min_count=2, scale=scale).fit(exs); buf = io.BytesIO(); torch.save(feat.state_dict(), buf); buf.seek(0)
    f2 = Featurizer.from_state(torch.load(buf, weights_only=True))
    assert f2.signature() == feat.signature() and f2.dims == feat.dims
    a, b = feat.encode(exs), f2.encode(exs)
    for k in ('ctx_num', 'ctx_miss', 'ctx_cat', 'cand_num', 'cand_miss', 'cand_cat', 'mask', 'target'):
        assert torch.equal(getattr(a, k), getattr(b, k)), k

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(examples(labelled=False))
def test_encode_frame_matches_encode(exs):
    "Scoring one patient's candidates from a DataFrame gives the same tensors as encoding the example."
    feat = Featurizer().fit(exs); ex = exs[0]
    df = pd.DataFrame.from_records([c['features'] for c in ex['candidates']])
    if df.shape[0] != len(ex['candidates']): df = pd.DataFrame(index=range(len(ex['candidates'])))
    a, b = feat.encode([ex]), feat.encode_frame(ex['context'], df)
    for k in ('ctx_num', 'ctx_miss', 'ctx_cat', 'cand_num', 'cand_miss', 'cand_cat', 'mask'):
        assert torch.equal(getattr(a, k), getattr(b, k)), k

def test_minibatch_trims_and_keeps_rows():
    "`batch[idx]` keeps rows and trims the list dimension to the longest list kept."
    exs = [dict(id=str(i), context={'p': i}, candidates=[dict(id='d', features={'q': j}) for j in range(i + 1)]) for i in range(5)]
    b = Featurizer().fit(exs).encode(exs)
    sub = b[torch.tensor([0, 2])]
    assert sub.mask.shape == (2, 3) and sub.mask.sum().item() == 4 and torch.equal(sub.cand_num[1], b.cand_num[2, :3])

def test_file_with_made_up_names(tmp_path):
    "A schema-v1 file with other feature names and list lengths 6..14 reads and featurises."
    rng = np.random.default_rng(0); exs = []
    for i in range(50):
        k = int(rng.integers(6, 15))
        exs.append(dict(id=f'Q{i}', context={'bmi': float(rng.normal(25, 4)), 'region': str(rng.choice(['n', 's']))},
                        candidates=[dict(id=f'C{i}_{j}', features={'score': float(rng.normal()), 'kind': str(rng.choice(['x', 'y', 'z'])),
                                                                    'ok': bool(rng.random() < .5)}) for j in range(k)],
                        label=int(rng.integers(k))))
    write_dataset(Dataset(exs), tmp_path / 'other.jsonl'); ds = read_dataset(tmp_path / 'other.jsonl')
    feat = Featurizer().fit(ds); b = feat.encode(ds)
    assert feat.signature()['candidate'] == [['ok', 'bool'], ['score', 'number'], ['kind', 'category', 5]]
    check_batch(feat, ds.examples, b)

def test_letor_without_context(tmp_path):
    "LETOR/SVMlight data has no context features: the batch has zero-width context tensors."
    p = tmp_path / 'r.txt'
    p.write_text('2 qid:1 1:0.5 2:1\n0 qid:1 1:0.1 2:0\n1 qid:2 1:0.3 2:1\n0 qid:2 1:0.2\n0 qid:2 1:0.9 2:0\n')
    ds = read_dataset(p); feat = Featurizer().fit(ds); b = feat.encode(ds)
    assert b.ctx_num.shape == (2, 0) and b.ctx_cat.shape == (2, 0) and b.cand_num.shape == (2, 3, 2)
    assert b.target[0].tolist() == [2, 0, 0] and b.label.tolist() == [0, 0]
