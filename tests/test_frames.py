"One flattening function: `io.frames` is what `features` and `synth.to_frames` use."
import numpy as np
from hypothesis import given, settings, strategies as st

import donor_rank.features as features
from donor_rank.io import frames
from donor_rank.synth import generate, to_frames

values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(['a', 'b']))
feature_dicts = st.dictionaries(st.sampled_from(['x', 'y', 'z']), values, max_size=3)
examples = st.builds(
    lambda ctx, cands: {'context': ctx, 'candidates': [{'features': f} for f in cands]},
    feature_dicts, st.lists(feature_dicts, min_size=1, max_size=4))


@settings(max_examples=60, deadline=None)
@given(st.lists(examples, max_size=5))
def test_frames_shape(exs):
    "One context row per example, one candidate row per candidate, in order; lengths cut them back."
    context_df, candidate_df, lengths = frames(exs)
    assert len(context_df) == len(exs) and list(lengths) == [len(e['candidates']) for e in exs]
    assert len(candidate_df) == lengths.sum()
    flat = [c['features'] for e in exs for c in e['candidates']]
    for row, feats in zip(candidate_df.to_dict('records'), flat):
        for k, v in feats.items():
            assert row[k] == v or (v is None and row[k] != row[k]) or (v is None and row[k] is None)


def test_one_function():
    "`features.frames` is `io.frames`; `synth.to_frames` is `io.frames` plus `example` and `slot`."
    assert features.frames is frames
    ds = generate(20, seed=0, n_candidates=(2, 6))
    ctx, cand, lengths = frames(ds)
    ctx2, cand2 = to_frames(ds)
    assert ctx.equals(ctx2) and cand.equals(cand2.drop(columns=['example', 'slot']))
    assert (np.bincount(cand2['example']) == lengths).all()
