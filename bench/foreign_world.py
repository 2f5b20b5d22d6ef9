"""A second, unrelated schema-v1 world for the benchmarks: choosing a cord-blood unit.

It shares nothing with `donor_rank.synth` but the file format: other feature names, list lengths
from 6 to 14, missing values, and a utility with patient-dependent effects (cell dose per kilogram of
the patient's weight, a stronger HLA effect in small children). The featurizer's log copies were
chosen partly on draws of this world (other seeds than the benchmark's), so it is not a blind test;
`platelet_world.py` is. The constants are illustrative, not clinical figures.
"""
from __future__ import annotations
import numpy as np

from donor_rank.schema import Dataset

BANKS = np.array(['NYBC', 'Eurocord-Paris', 'Anthony-Nolan', 'Duke', 'Tokyo', 'Sydney'])
DIAG = np.array(['ALL', 'AML', 'MDS', 'non-malignant'])


def cord_utility(weight, hla6, allele_mm, tnc, cd34, viability, year, rbc_dep):
    "Minus an illustrative log hazard; arrays broadcast over (patients, units)."
    dose = tnc / weight                                              # 1e7 nucleated cells per kg
    cd34kg = cd34 / weight                                           # 1e5 CD34+ cells per kg
    child = (weight < 30)
    u = 0.45 * np.log(np.clip(dose, 0.5, 8) / 2.5)                   # dose matters, with diminishing returns
    u += 0.25 * np.log(np.clip(cd34kg, 0.2, 6) / 1.5)
    u -= (0.22 + 0.12 * child) * (6 - hla6)                          # antigen mismatches, worse in small children
    u -= 0.08 * allele_mm
    u -= 0.012 * (2024 - year)                                       # older units recover less
    u -= np.where(np.isnan(viability), 0.10, 0.02 * np.clip(90 - viability, 0, None))
    u += 0.05 * rbc_dep
    return u


def record_choice(u, L, noise: float, rng) -> list[dict]:
    "Per patient: `label` (best after Gumbel noise), `relevance` (2 chosen, 1 rest of the noisy top quarter), `oracle`, `utility`."
    u = np.where(np.arange(u.shape[1])[None] < L[:, None], u, -np.inf)   # (n, M): slots past each list's length out
    noisy = u + noise * rng.gumbel(size=u.shape)
    label, oracle = noisy.argmax(1), u.argmax(1)
    out = []
    for i, k in enumerate(L):
        order = np.argsort(-noisy[i, :k])
        rel = np.zeros(k, int); rel[order[:max(1, k // 4)]] = 1; rel[order[0]] = 2
        out.append({'label': int(label[i]), 'relevance': rel.tolist(), 'oracle': int(oracle[i]),
                    'utility': [float(x) for x in u[i, :k]]})
    return out


def generate_cord(n: int, seed: int = 0, lo: int = 6, hi: int = 14, noise: float = 0.15) -> Dataset:
    "`n` patients, each with 6..14 cord-blood units, recorded choice = best unit after Gumbel noise."
    rng = np.random.default_rng(seed)
    L = rng.integers(lo, hi + 1, n)
    weight = np.round(np.exp(rng.normal(np.log(35), 0.7, n)).clip(6, 120), 1)
    age = np.round((weight / 3.2).clip(0.5, 75), 1)
    diag = rng.choice(DIAG, n, p=[0.35, 0.35, 0.15, 0.15])
    cmv = rng.random(n) < 0.5
    M = hi
    hla6 = rng.choice([4, 5, 6], (n, M), p=[0.5, 0.38, 0.12])
    allele_mm = np.clip(rng.poisson(1.2 + (6 - hla6) * 0.8), 0, 5)
    tnc = np.round(np.exp(rng.normal(np.log(120), 0.45, (n, M))), 1)
    cd34 = np.round(tnc * np.exp(rng.normal(np.log(0.35), 0.4, (n, M))), 2)
    viability = np.round(rng.normal(88, 5, (n, M)).clip(60, 99), 1)
    viability[rng.random((n, M)) < 0.1] = np.nan
    year = rng.integers(1998, 2025, (n, M))
    rbc_dep = rng.random((n, M)) < 0.6
    bank = rng.choice(BANKS, (n, M))
    u = cord_utility(weight[:, None], hla6, allele_mm, tnc, cd34, viability, year, rbc_dep)
    targets = record_choice(u, L, noise, rng)
    exs = []
    for i in range(n):
        k = L[i]
        cands = [{'id': f'U{i:06d}-{j:02d}', 'features': {
            'hla_antigen_match_of_6': int(hla6[i, j]), 'allele_mismatches': int(allele_mm[i, j]),
            'tnc_1e7': float(tnc[i, j]), 'cd34_1e5': float(cd34[i, j]),
            'post_thaw_viability': None if np.isnan(viability[i, j]) else float(viability[i, j]),
            'collection_year': int(year[i, j]), 'rbc_depleted': bool(rbc_dep[i, j]), 'bank': str(bank[i, j])}}
            for j in range(k)]
        exs.append({'id': f'C{seed:02d}{i:06d}', 'context': {'weight_kg': float(weight[i]), 'age_years': float(age[i]),
                    'diagnosis': str(diag[i]), 'cmv_seropositive': bool(cmv[i])},
                    'candidates': cands, **targets[i]})
    return Dataset(exs, task_type='donor_selection')
