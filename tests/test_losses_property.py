"Property tests (hypothesis): every registered loss, and weighted sums, stay finite with finite gradients."
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck
from donor_rank.losses import LOSSES, get_loss

EXTREME = [0., 1., -1., 1e4, -1e4, 1e-8, 3e3, -3e3]
GARBAGE = [float('nan'), float('inf'), -float('inf'), 1e4, -1e4, 1e30, -1e30, 0.]

@st.composite
def batches(draw):
    "A random `(scores, target, mask, neg_scores, neg_mask)` batch: ragged lists, graded, one-hot or all-zero targets."
    B, L = draw(st.integers(1, 5)), draw(st.integers(1, 9))
    lens = draw(st.lists(st.integers(1, L), min_size=B, max_size=B))
    mask = torch.arange(L)[None, :] < torch.tensor(lens)[:, None]             # (batch, list)
    if draw(st.booleans()):                                                  # scatter the padding, not only at the end
        perm = torch.tensor(draw(st.permutations(range(L))))
        mask = mask[:, perm]
    real = st.one_of(st.sampled_from(EXTREME), st.floats(-1e4, 1e4, allow_nan=False, width=32))
    scores = torch.tensor(draw(st.lists(real, min_size=B * L, max_size=B * L)), dtype=torch.float32).view(B, L)
    junk = torch.tensor(draw(st.lists(st.sampled_from(GARBAGE), min_size=B * L, max_size=B * L))).view(B, L)
    scores = torch.where(mask, scores, junk)
    kind = draw(st.sampled_from(['graded', 'onehot', 'zero', 'mixed']))
    grades = torch.tensor(draw(st.lists(st.integers(0, 4), min_size=B * L, max_size=B * L)), dtype=torch.float32).view(B, L)
    if kind == 'zero': target = torch.zeros(B, L)
    elif kind == 'graded': target = grades
    else:
        target = torch.zeros(B, L)
        for b in range(B):
            idx = mask[b].nonzero().flatten()
            if kind == 'mixed' and b % 2: continue                           # some lists all-zero
            target[b, idx[draw(st.integers(0, len(idx) - 1))]] = 1.
    target = torch.where(mask, target, torch.tensor(draw(st.sampled_from([0., 7., float('nan')]))))
    M = draw(st.integers(0, 6))
    neg = torch.tensor(draw(st.lists(real, min_size=B * M, max_size=B * M)), dtype=torch.float32).view(B, M)
    neg_mask = torch.tensor(draw(st.lists(st.booleans(), min_size=B * M, max_size=B * M)), dtype=torch.bool).view(B, M)
    neg = torch.where(neg_mask, neg, torch.tensor(float('nan')))
    return scores, target, mask, neg, neg_mask

SPECS = list(LOSSES) + ['ce+margin', 'ce+0.5*margin', '0.3*listnet+lambdaloss', 'listmle+2*contrastive']

def _check(spec, scores, target, mask, neg, neg_mask, **kw):
    f = get_loss(spec, **kw)
    s = scores.clone().requires_grad_()
    extra = dict(neg_scores=neg, neg_mask=neg_mask) if getattr(f, "takes_negatives", False) else {}
    loss = f(s, target, mask, **extra)
    assert loss.dim() == 0 and torch.isfinite(loss), (spec, loss)
    loss.backward()
    assert torch.isfinite(s.grad).all(), (spec, s.grad)
    assert (s.grad[~mask] == 0).all(), spec                                   # padding never gets a gradient
    if not (target * mask).nan_to_num().gt(0).any(): assert loss.item() == 0., spec
    return loss

@pytest.mark.parametrize('spec', SPECS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(b=batches())
def test_losses_finite(spec, b):
    _check(spec, *b)

@settings(max_examples=40, deadline=None)
@given(b=batches(), tau=st.sampled_from([0.01, 0.1, 0.2, 1.0]), m=st.sampled_from([0., 0.5, 1.0, 10.]),
       k=st.sampled_from([None, 1, 3]))
def test_losses_finite_with_options(b, tau, m, k):
    _check('contrastive', *b, tau=tau)
    _check('margin', *b, margin=m)
    _check('lambdaloss', *b, k=k, sigma=2.)
    _check('listnet', *b, dist='softmax')

@pytest.mark.parametrize('spec', SPECS)
@settings(max_examples=30, deadline=None)
@given(b=batches(), pad=st.integers(1, 4), junk=st.sampled_from(GARBAGE))
def test_padding_changes_nothing(spec, b, pad, junk):
    "Extra padded slots holding garbage leave the value and the real slots' gradients unchanged."
    scores, target, mask, neg, neg_mask = b
    B = scores.shape[0]
    base = torch.where(mask, scores, torch.zeros(()))
    s1 = base.clone().requires_grad_()
    f = get_loss(spec)
    l1 = f(s1, target, mask); l1.backward()
    s2 = torch.cat([base, torch.full((B, pad), junk)], 1).requires_grad_()
    l2 = f(s2, torch.cat([target, torch.full((B, pad), 3.)], 1), torch.cat([mask, torch.zeros(B, pad, dtype=torch.bool)], 1))
    l2.backward()
    assert torch.allclose(l1, l2, rtol=1e-5, atol=1e-4), (spec, l1, l2)
    assert torch.allclose(s1.grad, s2.grad[:, :-pad], rtol=1e-4, atol=1e-5), spec
