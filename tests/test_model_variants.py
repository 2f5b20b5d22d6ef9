"bench/model_variants.py: each rejected variant patches the list ranker, trains and scores."
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_bench_letor import write_letor

ROOT = Path(__file__).parents[1]

CHECK = """
import sys
sys.path.insert(0, 'bench')
import torch
import model_variants
from donor_rank.features import Featurizer
from donor_rank.model import build_model
from donor_rank.synth import generate
ds = generate(12, seed=0)
f = Featurizer().fit(ds)
b = f.encode(ds)
base = sum(p.numel() for p in build_model('listranker', f.dims, num_embed='piecewise').parameters())
model_variants.apply(sys.argv[1])
torch.manual_seed(0)
m = build_model('listranker', f.dims, num_embed='piecewise')
n = sum(p.numel() for p in m.parameters())
s = m(b)
assert torch.isfinite(s[b.mask]).all() and s.shape == b.mask.shape
s.masked_fill(~b.mask, 0).sum().backward()
m.eval()
with torch.no_grad():
    assert torch.equal(m(b), m(b))
print(n - base)
"""


@pytest.mark.parametrize('variant', ['fuse2', 'cond_pwl', 'ple_wide', 'list_attn'])
def test_variant_adds_parameters(variant):
    out = subprocess.run([sys.executable, '-c', CHECK, variant], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) > 0           # the patch reached the model


def test_feature_dropout_only_in_training():
    code = CHECK.replace("print(n - base)", """
m = build_model('listranker', f.dims, num_embed='piecewise', dropout=0.)   # no other randomness
m.train()
torch.manual_seed(1)
a = m(b)
torch.manual_seed(2)
assert not torch.equal(a, m(b))                       # inputs dropped at random in training
print(n - base)""")
    out = subprocess.run([sys.executable, '-c', code, 'feature_dropout=0.5'], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == '0'


def test_variant_runs_a_benchmark(tmp_path):
    rng = np.random.default_rng(2)
    write_letor(tmp_path / 'rank.train', 20, rng)
    write_letor(tmp_path / 'rank.test', 6, rng)
    out = tmp_path / 'letor.json'
    cmd = [sys.executable, 'bench/model_variants.py', 'list_attn', 'bench/bench_letor_sample.py',
           '--dir', str(tmp_path), '--seeds', '1', '--train-queries', '16', '--trees', 'none',
           '--configs', 'epochs=1', '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert 0 <= json.loads(out.read_text())['summary']['epochs=1'] <= 1


@pytest.mark.parametrize('variant', ['wider', 'feature_dropout=1.5', 'fuse2=3'])
def test_unknown_variant_exits_2(variant):
    out = subprocess.run([sys.executable, 'bench/model_variants.py', variant,
                          'bench/bench_letor_sample.py'], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and 'Traceback' not in out.stderr
