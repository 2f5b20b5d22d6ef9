"""The ONNX export scores as PyTorch does: padded lists of many lengths, and a 50,000-donor pool."""
import numpy as np
import pandas as pd
import pytest

pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

from donor_rank.inference import EXPORT_INPUTS, OnnxRanker, Ranker  # noqa: E402
from donor_rank.io import frames  # noqa: E402
from donor_rank.synth import generate  # noqa: E402


@pytest.fixture(scope='module')
def exported(tiny_run, tmp_path_factory):
    "The tiny checkpoint as a `Ranker` and its export loaded in onnxruntime."
    r = Ranker.load(tiny_run.checkpoint, device='cpu')
    path = tmp_path_factory.mktemp('export') / 'model.onnx'
    r.export(path)
    return r, OnnxRanker(path)


@pytest.mark.parametrize('lengths', [(1, 20), (3, 12), (30, 31)])
@pytest.mark.parametrize('chunk', [65536, 7])
def test_padded_lists(exported, lengths, chunk):
    r, onnx = exported
    b = r.encode(generate(25, seed=sum(lengths), n_candidates=lengths))
    real = b.mask.numpy()                                                 # (25, L)
    ref = r.predict(b).numpy()
    got = onnx.score({k: getattr(b, k) for k in EXPORT_INPUTS}, chunk=chunk)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got[real], ref[real], rtol=0, atol=1e-5)
    assert np.isneginf(got[~real]).all()


def test_one_list(exported):
    r, onnx = exported
    ex = generate(1, seed=11, n_candidates=2).examples
    b = r.encode(ex)
    got = onnx.score({k: getattr(b, k) for k in EXPORT_INPUTS})
    np.testing.assert_allclose(got, r.predict(b).numpy(), rtol=0, atol=1e-5)


def test_pool_of_50000(exported):
    r, onnx = exported
    ds = generate(800, seed=5)
    _, cands, _ = frames(ds)
    pool = cands.iloc[np.random.default_rng(0).integers(0, len(cands), 50_000)]
    pool = pd.DataFrame(pool).reset_index(drop=True)
    patient = ds.examples[0]['context']
    ref = r.score_frame(patient, pool)
    for chunk in (65536, 8192):                                           # one call, two passes
        got = onnx.score_frame(patient, pool, chunk=chunk)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)
    assert ref.std() > 0


def test_sidecar(exported, tiny_run):
    r, onnx = exported
    assert onnx.meta['inputs'] == list(EXPORT_INPUTS)
    assert onnx.meta['featurizer'] == r.featurizer.state_dict()
    assert onnx.meta['model'] == r.model.config


@pytest.fixture(scope='module')
def pair(tiny_run, tmp_path_factory):
    "The tiny checkpoint joined with a no-wide model trained on the same file, and its export."
    from donor_rank.checkpoint import join_checkpoints
    from donor_rank.train import TrainConfig, train
    d = tmp_path_factory.mktemp('pair')
    cfg = TrainConfig(train=str(tiny_run.train), val=str(tiny_run.val), out=str(d / 'no_wide'),
                      epochs=2, d=8, heads=2, batch_size=50, wide=False, progress=False)
    train(cfg)
    members = [tiny_run.checkpoint, d / 'no_wide' / 'best_model.pt']
    r = Ranker.load(join_checkpoints(members, d / 'pair.pt'), device='cpu')
    r.export(d / 'pair.onnx')
    return r, OnnxRanker(d / 'pair.onnx'), [Ranker.load(p, device='cpu') for p in members]


def test_pair_scores_as_the_mean_of_its_members_everywhere(pair):
    r, onnx, members = pair
    assert r.model.config['kind'] == 'mean' and r.model.list_aware
    b = r.encode(generate(25, seed=4, n_candidates=(3, 12)))
    real = b.mask.numpy()
    ref = np.mean([m.predict(b).numpy() for m in members], 0)              # (25, L)
    np.testing.assert_allclose(r.predict(b).numpy()[real], ref[real], rtol=0, atol=1e-5)
    for chunk in (65536, 5):
        got = onnx.score({k: getattr(b, k) for k in EXPORT_INPUTS}, chunk=chunk)
        np.testing.assert_allclose(got[real], ref[real], rtol=0, atol=1e-5)
    ds = generate(300, seed=6)
    _, cands, _ = frames(ds)
    patient = ds.examples[0]['context']
    want = np.mean([m.score_frame(patient, cands) for m in members], 0)   # each member folded
    np.testing.assert_allclose(r.score_frame(patient, cands), want, rtol=0, atol=1e-5)
    np.testing.assert_allclose(onnx.score_frame(patient, cands, chunk=64), want, rtol=0, atol=1e-5)
