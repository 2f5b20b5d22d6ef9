"Property tests (hypothesis) for the metrics: ranges, nan only where a list has nothing to measure, and invariances."
import math
import torch
from hypothesis import given, settings, strategies as st
from donor_rank.metrics import METRICS, compute_metrics, topk, mrr, ndcg, regret

@st.composite
def batches(draw):
    "Random `(scores, target, mask, utility)`: ragged lists, tied scores, graded/one-hot/zero targets."
    B, L = draw(st.integers(1, 6)), draw(st.integers(1, 9))
    lens = draw(st.lists(st.integers(1, L), min_size=B, max_size=B))
    mask = torch.arange(L)[None, :] < torch.tensor(lens)[:, None]
    vals = st.one_of(st.sampled_from([0., 1., -1., 0.5]), st.floats(-1e4, 1e4, allow_nan=False, width=32))
    scores = torch.tensor(draw(st.lists(vals, min_size=B * L, max_size=B * L)), dtype=torch.float32).view(B, L)
    target = torch.tensor(draw(st.lists(st.integers(0, 3), min_size=B * L, max_size=B * L)), dtype=torch.float32).view(B, L)
    utility = torch.tensor(draw(st.lists(vals, min_size=B * L, max_size=B * L)), dtype=torch.float32).view(B, L)
    return scores, target * mask, mask, utility

@settings(max_examples=150, deadline=None)
@given(b=batches())
def test_ranges_and_nan(b):
    s, t, m, u = b
    counts = (t * m).amax(-1) > 0
    for name, f in METRICS.items():
        v = f(s, t, m, u)
        assert v.shape == (s.shape[0],), name
        if name in ('top1', 'top3', 'mrr', 'ndcg@3', 'ndcg@10', 'oracle_top1'):
            assert (v.isnan() == ~counts).all(), name
            ok = v[~v.isnan()]; assert ((ok >= 0) & (ok <= 1 + 1e-6)).all(), (name, v)
        if name in ('regret',): assert (v >= 0).all()
        if name in ('spread', 'gap'): assert (v.isnan() == (m.sum(-1) < 2)).all() and (v[~v.isnan()] >= 0).all(), name
    # a perfect model (scores = grades) gets full credit; ties in scores are never credited against other grades
    test = topk(t, t, m)[counts]
    assert (test == 1).all() and (ndcg(t, t, m)[counts] > 1 - 1e-5).all()
    assert (regret(u, u, m) == 0).all()

@settings(max_examples=100, deadline=None)
@given(b=batches(), data=st.data())
def test_permutation_and_padding_invariance(b, data):
    s, t, m, u = b
    ref = compute_metrics(s, t, m, u)
    perm = torch.tensor(data.draw(st.permutations(range(s.shape[1]))))
    got = compute_metrics(s[:, perm], t[:, perm], m[:, perm], u[:, perm])
    junk = data.draw(st.sampled_from([float('nan'), float('inf'), -float('inf'), 1e9]))
    P = data.draw(st.integers(1, 3)); B = s.shape[0]
    pad = lambda x, v: torch.cat([x, torch.full((B, P), v, dtype=x.dtype)], 1)
    padded = compute_metrics(pad(s, junk), pad(t, 9.), pad(m, False), pad(u, junk))
    for k, v in ref.items():
        for other in (got, padded):
            assert (math.isnan(v) and math.isnan(other[k])) or math.isclose(v, other[k], rel_tol=1e-5, abs_tol=1e-5), (k, v, other[k])

def test_uniform_scores_get_no_credit():
    "The earlier collapsed model (every candidate -0.4896) gets top-1 = top-3 = 0 and the minimal MRR, 1/n."
    n = 10; s = torch.full((50, n), -0.4896); t = torch.zeros(50, n); t[torch.arange(50), torch.arange(50) % n] = 1
    m = torch.ones(50, n, dtype=torch.bool)
    r = compute_metrics(s, t, m)
    assert r['top1'] == 0 and r['top3'] == 0 and math.isclose(r["mrr"], 1 / n, rel_tol=1e-6) and r['spread'] == 0 and r['gap'] == 0
