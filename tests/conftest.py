"""Shared test helpers: generated splits, one tiny trained checkpoint, and a code-running pickle.

Test files import the plain helpers with `from conftest import ...`; `tiny_run` is a fixture.
"""
from dataclasses import dataclass
from pathlib import Path

import pytest


def write_splits(d: Path, n_train: int, n_val: int, seed: int) -> Path:
    "Generated `tr.json` and `va.json` in folder `d` (seeds `seed` and `seed + 1`); returns `d`."
    from donor_rank.io import write_dataset
    from donor_rank.synth import generate
    write_dataset(generate(n_train, seed=seed), d / 'tr.json')
    write_dataset(generate(n_val, seed=seed + 1), d / 'va.json')
    return d


class Touch:
    "Unpickled with full pickle, this creates the file `path`: the payload that must never run."
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def code_pickle_checkpoint(p: Path, marker: Path) -> Path:
    "Write to `p` a checkpoint-like file that, unpickled with full pickle, would create `marker`."
    import torch
    torch.save({'format': 'donor_rank.checkpoint', 'x': Touch(marker)}, p)
    return p


@dataclass
class TinyRun:
    "A tiny model trained once per test session (read-only: copy a file before changing it)."
    train: Path         # training set, 150 lists (seed 1)
    val: Path           # validation set, 40 lists (seed 2, ids 'V...')
    val_ds: object      # the validation `Dataset`
    checkpoint: Path    # best_model.pt


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory) -> TinyRun:
    "Train a 2-epoch, width-16 model on 150 generated lists, for the tests that need a checkpoint."
    from donor_rank.io import write_dataset
    from donor_rank.synth import generate
    from donor_rank.train import TrainConfig, train
    d = tmp_path_factory.mktemp('tiny_run')
    val = generate(40, seed=2, id_prefix='V')
    write_dataset(generate(150, seed=1), d / 'train.json')
    write_dataset(val, d / 'val.json')
    cfg = TrainConfig(train=str(d / 'train.json'), val=str(d / 'val.json'), out=str(d / 'run'),
                      epochs=2, d=16, heads=2, batch_size=50, progress=False)
    train(cfg)
    return TinyRun(d / 'train.json', d / 'val.json', val, d / 'run' / 'best_model.pt')
