"""Training speed against CPU threads: one ListRanker training step (batch 32 lists of 10) on 1 and on 2 threads.

    .venv/bin/python bench/bench_threads.py [--steps 30]

Each setting runs in its own process (torch's thread pool is fixed per process) and prints ms per step;
the ratio is what the `threads=1` default of `TrainConfig` rests on. Run it as the machine is: the gap is
largest when other work shares the cores.
"""
import argparse, subprocess, sys

CHILD = r"""
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); steps = int(sys.argv[2])
from donor_rank.synth import generate
from donor_rank.features import Featurizer
from donor_rank.model import build_model
from donor_rank.losses import get_loss
ds = generate(512, seed=1); f = Featurizer().fit(ds); b = f.encode(ds)
torch.manual_seed(0); m = build_model('listranker', f.dims); opt = torch.optim.AdamW(m.parameters(), 1e-2)
loss = get_loss('listnet'); mb = b[torch.arange(32)]
def step():
    l = loss(m(mb), mb.target, mb.mask); opt.zero_grad(); l.backward(); opt.step()
for _ in range(5): step()
t = time.perf_counter()
for _ in range(steps): step()
print((time.perf_counter() - t) / steps * 1000)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=30)
    a = ap.parse_args()
    ms = {}
    for n in (1, 2):
        r = subprocess.run([sys.executable, '-c', CHILD, str(n), str(a.steps)], capture_output=True, text=True, check=True)
        ms[n] = float(r.stdout.strip().splitlines()[-1])
        print(f'{n} thread(s): {ms[n]:.1f} ms per step')
    print(f'2 threads / 1 thread: {ms[2] / ms[1]:.2f}x the time')


if __name__ == '__main__':
    main()
