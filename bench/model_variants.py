"""Architecture variants of the list ranker, tried on development data and rejected, patched in-process.

    .venv/bin/python bench/model_variants.py VARIANT bench/bench_quality.py [its arguments]
    .venv/bin/python bench/model_variants.py VARIANT bench/bench_letor_sample.py [its arguments]

Patches `donor_rank.model` with VARIANT, then runs the benchmark script with the arguments that
follow; its `default` config is then the defaults with the variant (the benchmarks fork their
workers, so the patch reaches them). Nothing here is a package option: each variant was measured
against the defaults on development draws and folds, moved nothing beyond the noise, and stays
out of the model (figures in bench/results/defaults_dev.json, key `architecture_variants`).

- `fuse2`: a second fusion block [c, x, c*x, c-x] after the first in `Interaction`.
- `cond_pwl`: a second piecewise-linear encoding of the candidate's numbers whose k-dim output per
  number is scaled by the patient, (1 + G x), before the projection (patient-conditioned tables).
- `ple_wide`: the wide path also gets a piecewise-linear (thermometer) encoding of the candidate's
  numbers, 16 normal-quantile bins, linear and bilinear with the patient's raw features.
- `list_attn`: a pre-norm transformer layer (self-attention over the list, then an MLP) before the
  list pooling, as in DASALC (Qin et al., 2021). Its scores cannot be computed chunk by chunk, so it
  could not score a registry-sized pool exactly even if it had won.
- `feature_dropout=P`: in training, each candidate number is set to its mean (0) with chance P.
"""
from __future__ import annotations
import runpy
import sys

import torch
import torch.nn as nn

import donor_rank.model as M


def fuse2():
    "A second fusion block in `Interaction`."
    init0 = M.Interaction.__init__

    def init(self, d, heads=4, norm='layer', dropout=0.1):
        init0(self, d, heads, norm, dropout)
        self.fuse2 = M.MLP(4 * d, d, d, norm, dropout)

    def forward(self, c, t, x, mask=None):         # c (N, L, d), t (N, P, d), x (N, d)
        c = c + self.attn(self.ln(c), t, t, need_weights=False)[0]     # (N, L, d)
        for fuse in (self.fuse, self.fuse2):
            xx = x[:, None].expand_as(c)                                # (N, L, d)
            c = c + fuse(torch.cat([c, xx, c * xx, c - xx], -1), mask)  # (N, L, d)
        return c

    M.Interaction.__init__ = init
    M.Interaction.forward = forward


def cond_pwl():
    "Piecewise-linear tables of the candidate's numbers, scaled per patient."
    init0 = M.ListRanker.__init__

    def init(self, dims, d=64, heads=4, dropout=0.1, norm='layer', wide=True, num_embed='linear'):
        init0(self, dims, d, heads, dropout, norm, wide, num_embed)
        n_num = dims['cand_num']
        self.cpwl = M.PiecewiseLinear(n_num, d)
        self.gate = nn.Linear(d, n_num * self.cpwl.rise.shape[-1])
        nn.init.zeros_(self.gate.weight)
        nn.init.zeros_(self.gate.bias)

    def embed(self, b):
        t, x = self.context(b)                                          # (N, P, d), (N, d)
        c = self.candidates(b.cand_num, b.cand_miss, b.cand_cat, b.mask)  # (N, L, d)
        p = self.cpwl
        xs, rows = p.rows(b.cand_num)                                   # (N, L, Pn)
        tab = p.tables()                                                # (2 * Pn * bins, k)
        half = p.rise.shape[0] * p.bins
        phi = tab[rows] + xs[..., None] * tab[rows + half]              # (N, L, Pn, k)
        g = 1 + self.gate(x).view(len(x), 1, p.rise.shape[0], -1)       # (N, 1, Pn, k)
        c = c + p.proj((phi * g).sum(-2))                               # (N, L, d)
        wide_scores = self.wide(b) if self.wide is not None else None   # (N, L)
        return self.interact(c, t, x, b.mask), wide_scores

    M.ListRanker.__init__ = init
    M.ListRanker.embed = embed


def ple_wide(bins: int = 16):
    "Thermometer-coded candidate numbers in the wide path, linear and bilinear with the patient."
    init0 = M.Wide.__init__
    forward0 = M.Wide.forward

    def init(self, dims):
        init0(self, dims)
        inner = torch.distributions.Normal(0., 1.).icdf(torch.linspace(0, 1, bins + 1)[1:-1])
        edges = torch.cat([inner.new_tensor([-3.]), inner, inner.new_tensor([3.])])
        self.register_buffer('edges', edges, persistent=False)         # (bins + 1,)
        n_codes = dims['cand_num'] * bins
        self.ple_lin = nn.Parameter(torch.zeros(n_codes))
        self.ple_bil = nn.Parameter(torch.zeros(n_codes, self.bil.shape[1]))

    def forward(self, b):                          # -> (N, L)
        e = self.edges
        z = ((b.cand_num[..., None] - e[:-1]) / e.diff()).clamp(0, 1)  # (N, L, Pn, bins)
        z = z.flatten(-2)                                               # (N, L, Pn * bins)
        psi = M.raw_features(b.ctx_num, b.ctx_miss, b.ctx_cat, self.ctx_cards)   # (N, nx)
        bilinear = torch.einsum('nlc,cx,nx->nl', z, self.ple_bil, psi)  # (N, L)
        return forward0(self, b) + z @ self.ple_lin + bilinear

    M.Wide.__init__ = init
    M.Wide.forward = forward


def list_attn():
    "A pre-norm transformer layer over each list before the list pooling."
    init0 = M.ListRanker.__init__
    finish0 = M.ListRanker.finish

    def init(self, dims, d=64, heads=4, dropout=0.1, norm='layer', wide=True, num_embed='linear'):
        init0(self, dims, d, heads, dropout, norm, wide, num_embed)
        self.list_attn = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout, activation='gelu',
                                                    batch_first=True, norm_first=True)

    def finish(self, h, aux, mask, stats):         # h (N, L, d): the whole list, never a chunk
        h = self.list_attn(h, src_key_padding_mask=~mask).nan_to_num()  # (N, L, d)
        return finish0(self, h, aux, mask, M.list_stats(h, mask))

    M.ListRanker.__init__ = init
    M.ListRanker.finish = finish


def feature_dropout(rate: float):
    "In training, each candidate number set to its mean (0) with chance `rate`."
    forward0 = M.CandidateEncoder.forward

    def forward(self, num, miss, cat, mask=None):
        if self.training:
            num = num * (torch.rand_like(num) >= rate)                  # (N, L, Cn)
        return forward0(self, num, miss, cat, mask)

    M.CandidateEncoder.forward = forward


VARIANTS = {'fuse2': fuse2, 'cond_pwl': cond_pwl, 'ple_wide': ple_wide, 'list_attn': list_attn}


def apply(variant: str):
    "Patch `donor_rank.model` with `variant` (a name, or 'feature_dropout=P')."
    name, _, arg = variant.partition('=')
    if name == 'feature_dropout':
        try:
            rate = float(arg)
        except ValueError:
            rate = -1.
        if not 0 <= rate < 1:
            print(f'model_variants.py: feature_dropout wants a rate in [0, 1), got {arg!r}',
                  file=sys.stderr)
            sys.exit(2)
        return feature_dropout(rate)
    if name not in VARIANTS or arg:
        print(f"model_variants.py: unknown variant {variant!r}; choose from "
              f"{', '.join(VARIANTS)}, feature_dropout=P", file=sys.stderr)
        sys.exit(2)
    VARIANTS[name]()


if __name__ == '__main__':
    if len(sys.argv) < 3:
        print('usage: model_variants.py VARIANT SCRIPT [ARGS]', file=sys.stderr)
        sys.exit(2)
    apply(sys.argv[1])
    sys.argv = sys.argv[2:]                        # the benchmark puts its own folder on the path
    runpy.run_path(sys.argv[0], run_name='__main__')
