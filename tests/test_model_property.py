"Property tests (hypothesis): for any feature layout and ragged batch, the models are permutation-equivariant, ignore padding and chunk exactly."
from dataclasses import replace
import torch
from hypothesis import given, settings, strategies as st, HealthCheck
from donor_rank.features import Batch
from donor_rank.model import build_model

@st.composite
def cases(draw):
    "Random dims (context may be empty, as in LETOR data), a ragged batch and a model configuration."
    dims = dict(ctx_num=draw(st.integers(0, 3)), ctx_cat=draw(st.lists(st.integers(2, 6), max_size=2)),
                cand_num=draw(st.integers(0, 4)), cand_cat=draw(st.lists(st.integers(2, 6), max_size=3)))
    N, L = draw(st.integers(1, 4)), draw(st.integers(1, 9))
    lens = torch.tensor(draw(st.lists(st.integers(1, L), min_size=N, max_size=N)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31)))
    cat = lambda shape, cards: torch.stack([torch.randint(c, shape, generator=g) for c in cards], -1) if cards else torch.zeros(shape + (0,), dtype=torch.long)
    b = Batch(torch.randn(N, dims['ctx_num'], generator=g), (torch.rand(N, dims['ctx_num'], generator=g) < .2).float(), cat((N,), dims['ctx_cat']),
              torch.randn(N, L, dims['cand_num'], generator=g), (torch.rand(N, L, dims['cand_num'], generator=g) < .2).float(), cat((N, L), dims['cand_cat']),
              torch.arange(L)[None] < lens[:, None], torch.zeros(N, L), torch.full((N,), -1), torch.full((N,), -1), torch.full((N, L), float('nan')))
    kind = draw(st.sampled_from(['listranker', 'mlp'])); norm = draw(st.sampled_from(['layer', 'batch', 'none']))
    return dims, b, kind, norm

def same(a, b, mask):
    "Equal scores on real slots, -inf on the padded ones."
    assert (a[~mask] == float('-inf')).all() and (b[~mask] == float('-inf')).all()
    assert torch.allclose(a[mask], b[mask], atol=1e-4, rtol=1e-4), (a, b)

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_list_invariances(case):
    dims, b, kind, norm = case
    torch.manual_seed(0); m = build_model(kind, dims, d=16, heads=4, norm=norm)
    m.train(); m(b); m.eval()                                            # move batch-norm running stats off their init
    with torch.no_grad():
        s = m(b); assert torch.isfinite(s[b.mask]).all()
        perm = torch.randperm(b.mask.shape[1])
        bp = replace(b, cand_num=b.cand_num[:, perm], cand_miss=b.cand_miss[:, perm], cand_cat=b.cand_cat[:, perm], mask=b.mask[:, perm])
        same(m(bp), s[:, perm], b.mask[:, perm])
        pad = lambda t, v: torch.cat([t, torch.full(t.shape[:1] + (3,) + t.shape[2:], v, dtype=t.dtype)], 1)
        bq = replace(b, cand_num=pad(b.cand_num, 1e4), cand_miss=pad(b.cand_miss, 1.), cand_cat=pad(b.cand_cat, 1),
                     mask=pad(b.mask, False), target=pad(b.target, 0.), utility=pad(b.utility, float('nan')))
        sq = m(bq); same(sq[:, :-3], s, b.mask); assert (sq[:, -3:] == float('-inf')).all()
        same(m.score_chunked(b, chunk=2), s, b.mask)
        for i in range(len(b)): same(m(b[i])[0], s[i, :int(b.mask[i].sum())], b.mask[i, :int(b.mask[i].sum())])
