"Shared test helpers."
from pathlib import Path


def write_splits(d: Path, n_train: int, n_val: int, seed: int) -> Path:
    "Generated `tr.json` and `va.json` in folder `d` (seeds `seed` and `seed + 1`); returns `d`."
    from donor_rank.io import write_dataset
    from donor_rank.synth import generate
    write_dataset(generate(n_train, seed=seed), d / 'tr.json')
    write_dataset(generate(n_val, seed=seed + 1), d / 'va.json')
    return d
