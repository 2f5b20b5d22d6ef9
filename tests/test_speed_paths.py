"The fast paths compute what the plain ones do: bucketed batches, folded layers, chunked scoring."
import math

import torch

from donor_rank.features import Featurizer
from donor_rank.model import build_model, score_pool
from donor_rank.synth import generate
from donor_rank.train import epoch_batches, epoch_order


def test_epoch_batches_cover_each_example_once():
    "Every example once per epoch, the same batches on a rerun, fewer padded slots than unsorted."
    lengths = torch.randint(6, 15, (2000,))
    for world in (1, 2, 3):
        shards = [epoch_batches(lengths, 4, 7, 32, r, world) for r in range(world)]
        assert len({len(s) for s in shards}) == 1            # every rank steps as often
        seen = torch.cat([torch.cat(s) for s in shards])
        assert set(seen.tolist()) == set(range(2000))
        assert len(seen) == math.ceil(2000 / world) * world
    a = epoch_batches(lengths, 4, 7, 32)
    assert [x.tolist() for x in a] == [x.tolist() for x in epoch_batches(lengths, 4, 7, 32)]
    assert [x.tolist() for x in a] != [x.tolist() for x in epoch_batches(lengths, 5, 7, 32)]
    padded = sum(len(x) * lengths[x].max().item() for x in a)
    plain = sum(len(x) * lengths[x].max().item() for x in epoch_order(2000, 4, 7).split(32))
    assert padded < 0.9 * plain


def trained_like(model):
    "Move every weight off its (partly zero) initial value, as training does."
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.3)
    return model.eval()


def test_chunked_scores_equal_forward_one_patient():
    "One patient against many donors: `score_chunked` in small chunks equals `forward` to 1e-5."
    ds = generate(30, seed=5, n_candidates=(6, 14))
    feat = Featurizer().fit(ds)
    b = feat.encode(ds)
    rows = b.mask.nonzero(as_tuple=True)
    one = b[[0]]
    cand = {k: getattr(b, k)[rows][None] for k in ('cand_num', 'cand_miss', 'cand_cat', 'mask',
                                                    'target', 'utility')}
    from dataclasses import replace
    one = replace(one, **cand)                                   # (1, all donors)
    for kind in ('listranker', 'mlp'):
        torch.manual_seed(0)
        model = trained_like(build_model(kind, feat.dims))
        with torch.no_grad():
            full = model(one)
        for chunk in (7, 64, 100_000):
            assert torch.allclose(model.score_chunked(one, chunk), full, atol=1e-5, rtol=0)


def one_patient_pool(ds, feat, i=3):
    "Patient `i` of `ds` against every candidate of `ds`: a `Batch` with N=1."
    from dataclasses import replace
    b = feat.encode(ds)
    rows = b.mask.nonzero(as_tuple=True)
    cand = {k: getattr(b, k)[rows][None] for k in ('cand_num', 'cand_miss', 'cand_cat', 'mask',
                                                    'target', 'utility')}
    return replace(b[[i]], **cand)                               # (1, all donors)


def test_score_pool_equals_forward_trained(tiny_run):
    "A registry search with a trained checkpoint: `score_pool` equals `forward` to 1e-5."
    from donor_rank.inference import Ranker
    r = Ranker.load(tiny_run.checkpoint, device='cpu')
    one = one_patient_pool(generate(400, seed=6), r.featurizer)  # (1, ~4000 donors)
    with torch.no_grad():
        full = r.model(one)[0]
    assert full.std() > 0
    for chunk, threads in ((100, 1), (100, 2), (8192, None)):
        assert torch.allclose(score_pool(r.model, one, chunk, threads), full, atol=1e-5, rtol=0)
    assert torch.equal(score_pool(r.model, one, 100, 1), score_pool(r.model, one, 100, 2))


def test_score_pool_equals_forward_any_weights():
    "Weights far from training's, no wide part, batch norm, the MLP: the same scores (float32)."
    ds = generate(300, seed=6, n_candidates=(6, 14))
    feat = Featurizer().fit(ds)
    one = one_patient_pool(ds, feat)
    for kind, kw in (('listranker', {}), ('listranker', dict(wide=False, norm='batch')),
                     ('mlp', {})):
        torch.manual_seed(0)
        model = trained_like(build_model(kind, feat.dims, **kw))
        with torch.no_grad():
            full = model(one)[0]                                 # scores up to ~1e4 here
        tol = 1e-5 * float(full.abs().max().clamp(min=1))        # float32 rounding at that scale
        for chunk, threads in ((100, 1), (100, 2), (8192, None)):
            got = score_pool(model, one, chunk, threads)
            assert torch.allclose(got, full, atol=tol, rtol=0), (kind, chunk, threads)
