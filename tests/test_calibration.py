"""Calibration: the fitted temperature repairs a mis-scaled model and recovers a known one, and the
true choice probability agrees with the generator's own choice rule."""
from __future__ import annotations
import math

import numpy as np
import pytest
import torch

from donor_rank.calibration import (choice_proba, choice_nll, fit_temperature,
                                    expected_calibration_error, reliability_table,
                                    true_choice_proba, proba_distance)
from donor_rank.features import Featurizer
from donor_rank.synth import NOISE, choose, generate

torch.set_num_threads(1)   # small tensors: intra-op threads only contend on a shared machine


def _drawn(n=4000, L=10, scale=2.0, seed=0):
    "Logits `(n, L)` and choices drawn from their softmax."
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n, L, generator=g) * scale
    m = torch.ones(n, L, dtype=torch.bool)
    y = torch.multinomial(choice_proba(s, m), 1, generator=g)[:, 0]
    return s, y, m


def test_misscaled_scores_fail_then_pass_after_fitting():
    s, y, m = _drawn()
    bad = s * 20
    before = expected_calibration_error(choice_proba(bad, m), y, m)
    T = fit_temperature(bad, y, m)
    after = expected_calibration_error(choice_proba(bad, m, T), y, m)
    assert before > 0.1
    assert after < 0.03
    assert abs(T - 20) < 2


@pytest.mark.parametrize('true_t', [0.3, 1.0, 4.0])
def test_fitted_temperature_recovers_a_known_one(true_t):
    s, y, m = _drawn(scale=2.0 * true_t, seed=1)   # choices from softmax(2 t z): logits s = 2 t z
    T = fit_temperature(s * true_t, y, m)           # the same logits multiplied by t need T = t
    assert abs(T / true_t - 1) < 0.1, T
    assert choice_nll(s * true_t, y, m, T) <= choice_nll(s * true_t, y, m, 1.0) + 1e-12


def test_padding_and_unlabelled_lists_are_ignored():
    s, y, m = _drawn(n=2000, seed=2)
    T = fit_temperature(s * 5, y, m)
    pad_s = torch.cat([s * 5, torch.full((2000, 3), math.nan)], 1)       # (n, L + 3)
    pad_m = torch.cat([m, torch.zeros(2000, 3, dtype=torch.bool)], 1)
    extra_s = torch.cat([pad_s, torch.randn(500, 13) * 100])            # lists with no choice
    extra_y = torch.cat([y, torch.full((500,), -1)])
    extra_m = torch.cat([pad_m, torch.ones(500, 13, dtype=torch.bool)])
    assert fit_temperature(extra_s, extra_y, extra_m) == pytest.approx(T, rel=1e-6)
    p = choice_proba(pad_s, pad_m, T)
    assert (p[:, 10:] == 0).all()
    assert torch.allclose(p.sum(-1), torch.ones(2000, dtype=torch.float64))
    assert sum(reliability_table(p, y, pad_m)['count']) == 2000


def test_true_choice_proba_is_the_generators_choice_rule():
    rng = np.random.default_rng(0)
    u = np.repeat([[0.0, -0.03, -0.08, -0.2, -1.0]], 40000, 0)          # one list, 40000 times
    valid = np.ones_like(u, dtype=bool)
    label = choose(rng, u, valid)[0]
    freq = np.bincount(label, minlength=5) / len(label)
    p = true_choice_proba(torch.tensor(u[:1]), torch.tensor(valid[:1]), NOISE)[0].numpy()
    assert np.abs(freq - p).max() < 0.015, (freq, p)


def test_generated_utility_at_the_wrong_scale_gets_close_after_fitting():
    ds = generate(600, seed=4)
    b = Featurizer().fit(ds).encode(ds)
    truth = true_choice_proba(b.utility, b.mask, NOISE)
    raw = proba_distance(choice_proba(b.utility, b.mask), truth, b.mask)
    T = fit_temperature(b.utility, b.label, b.mask)
    fit = proba_distance(choice_proba(b.utility, b.mask, T), truth, b.mask)
    assert abs(T / NOISE - 1) < 0.25, T
    assert fit['tv'] < 0.1 < raw['tv']
    assert fit['kl'] < raw['kl'] / 5
