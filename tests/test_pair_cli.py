"""`donor_rank_train --pair`: two run folders and a joined checkpoint that the other scripts read."""
import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_train_pair_then_evaluate(tiny_run, tmp_path):
    out = tmp_path / 'pair'
    train = [str(BIN / 'donor_rank_train'), '--train', str(tiny_run.train), '--val', str(tiny_run.val),
             '--out', str(out), '--epochs', '2', '--d', '16', '--heads', '2', '--pair', '--quiet']
    r = subprocess.run(train, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith('pair (wide + no_wide): val top1 '), r.stdout
    for name in ('wide', 'no_wide'):
        assert (out / name / 'best_model.pt').exists() and (out / name / 'metrics.jsonl').exists()
    assert not (out / 'last_model.pt').exists()              # the pair itself is not trained
    preds = tmp_path / 'preds.jsonl'
    ev = [str(BIN / 'donor_rank_evaluate'), '--checkpoint', str(out / 'best_model.pt'),
          '--data', str(tiny_run.val),
          '--out', str(preds)]
    r = subprocess.run(ev, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert '(mean' in r.stdout, r.stdout                     # the checkpoint's model kind
    assert len(preds.read_text().splitlines()) == len(tiny_run.val_ds)
    bad = [str(BIN / 'donor_rank_train'), '--train', str(tiny_run.train), '--val', str(tiny_run.val),
           '--out', str(tmp_path / 'bad'), '--pair', '--no-wide']
    r = subprocess.run(bad, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and '--pair' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'bad').exists()


def test_pair_flags():
    from donor_rank.cli import train_parser
    p = train_parser()
    assert 'pair' not in vars(p.parse_args([]))              # unset: TrainConfig's auto
    assert vars(p.parse_args(['--pair']))['pair'] is True
    assert vars(p.parse_args(['--no-pair']))['pair'] is False
