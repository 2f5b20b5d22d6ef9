"Gains of any size: grades of 300 train under both gains; grades 0-3 give today's numbers exactly."
import math

import pytest
import torch

from donor_rank.losses import GAINS, get_loss, gains, lambdaloss, listnet
from donor_rank.metrics import compute_metrics, ndcg
from donor_rank.synth import generate
from donor_rank.io import write_dataset
from donor_rank.train import TrainConfig, train


def graded(n_lists=8, n=10, top=3, seed=0):
    "Random scores, integer grades 0..top and a mask with some padding."
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n_lists, n, generator=g)
    t = torch.randint(0, top + 1, (n_lists, n), generator=g).float()
    m = torch.rand(n_lists, n, generator=g) > 0.2
    return s, t, m


def test_small_grades_bit_identical():
    "Grades 0-3, default gain: exactly `2^t - 1`, so losses and NDCG are as before, bit for bit."
    s, t, m = graded()
    assert torch.equal(gains(t, m), torch.exp2(t) - 1)
    g = (torch.exp2(t) - 1) * m
    p = g / g.sum(-1, keepdim=True).clamp(min=1e-12)
    logp = s - torch.logsumexp(s.masked_fill(~m, torch.finfo(s.dtype).min), -1)[:, None]
    per = -(p * logp).sum(-1)
    counts = (t * m > 0).any(-1)
    expected = per[counts].sum() / counts.sum()
    assert listnet(s, t, m).item() == expected.item()


@pytest.mark.parametrize('gain', GAINS)
def test_huge_grades_finite(gain):
    "Grades up to 300: finite losses, gradients and NDCG in [0, 1]."
    s, t, m = graded(top=300)
    s.requires_grad_(True)
    for f in (listnet, lambdaloss):
        loss = f(s, t, m, gain=gain)
        assert torch.isfinite(loss)
        loss.backward()
        assert torch.isfinite(s.grad).all()
    v = ndcg(s.detach(), t, m, gain=gain)
    assert ((v >= 0) & (v <= 1 + 1e-6)).all()
    assert all(math.isfinite(x) for x in compute_metrics(s.detach(), t, m, gain=gain).values())


def test_exp2_scaling_is_per_list():
    "Past the cap each list is scaled by one factor: ratios of gains are kept."
    t = torch.tensor([[300., 299., 298.]])
    g = gains(t)
    assert torch.allclose(g[0] / g[0, 0], torch.tensor([1., .5, .25]))


@pytest.mark.parametrize('gain', GAINS)
def test_train_with_grade_300(tmp_path, gain):
    "A training set whose grades reach 300 trains to the end under both gains."
    ds = generate(40, seed=3, n_candidates=(4, 6))
    for ex in ds.examples:
        n = len(ex['candidates'])
        ex['relevance'] = [300 if j == ex['label'] else j % 3 for j in range(n)]
    write_dataset(ds, tmp_path / 'tr.json')
    cfg = TrainConfig(train=str(tmp_path / 'tr.json'), val=str(tmp_path / 'tr.json'),
                      out=str(tmp_path / 'run'), epochs=2, progress=False, gain=gain,
                      loss='listnet+lambdaloss', d=16, heads=2)
    res = train(cfg)
    assert res['epochs_run'] == 2
    assert math.isfinite(res['last']['train_loss'])
    assert math.isfinite(res['last']['val_ndcg@10'])


def test_gain_reaches_loss():
    "`get_loss` passes `gain` to the losses that take it."
    s, t, m = graded()
    assert get_loss('listnet', gain='linear')(s, t, m) == listnet(s, t, m, gain='linear')
    assert get_loss('ce', gain='linear')(s, t, m) == get_loss('ce')(s, t, m)
