"""Training scales out with PyTorch DDP: two CPU processes under torchrun (gloo)."""
import json, subprocess, sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_torchrun_two_processes(tmp_path):
    from donor_rank.synth import generate
    from donor_rank.io import write_dataset
    write_dataset(generate(400, seed=41), tmp_path / 'tr.json')
    write_dataset(generate(101, seed=42), tmp_path / 'va.json')     # odd size: shards of unequal length
    out = tmp_path / 'run'
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--no-python',
                        str(BIN / 'donor_rank_train'), '--train', str(tmp_path / 'tr.json'), '--val', str(tmp_path / 'va.json'),
                        '--out', str(out), '--epochs', '4', '--patience', '0', '--quiet', '--device', 'cpu'],
                       capture_output=True, text=True, timeout=300,
                       env={'OMP_NUM_THREADS': '1', 'PATH': str(BIN) + ':/usr/bin:/bin'})
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(l) for l in (out / 'metrics.jsonl').read_text().splitlines()]
    assert [x['epoch'] for x in rows] == [0, 1, 2, 3], 'only rank 0 writes, one row per epoch'
    assert rows[-1]['val_top1'] > 0.2 and rows[-1]['val_spread'] > 0.1
    assert r.stdout.count('best epoch') == 1, 'only rank 0 reports'
    assert (out / 'best_model.pt').exists() and (out / 'curves.png').exists()
