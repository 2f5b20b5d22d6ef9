"Featurise 100,000 lists of 10 candidates (fit + encode) and print the seconds; the contract is encode < 10 s."
import argparse, time
import numpy as np
from donor_rank.features import Featurizer

def make(n: int, k: int = 10, seed: int = 0) -> list:
    "Schema-v1 example dicts with numbers, booleans, strings and nulls (built without the generator, so the bench needs only features)."
    rng = np.random.default_rng(seed); T = n * k
    age, hla, days = rng.integers(18, 61, T).tolist(), rng.integers(6, 9, T).tolist(), np.round(rng.random(T) * 60, 1).tolist()
    cmv, fem, dsa = rng.random(T) < .5, rng.random(T) < .4, rng.random(T) < .03
    dpb1 = rng.choice(['permissive', 'nonpermissive_gvh', 'nonpermissive_hvg', 'unknown'], T).tolist()
    abo = rng.choice(['A', 'B', 'AB', 'O'], T).tolist(); parity = rng.integers(0, 4, T).tolist()
    miss = (rng.random(T) < .05).tolist()
    cands = [dict(id=f'D{j}', features=dict(age=age[j], hla_match=hla[j], days_to_collection=None if miss[j] else days[j],
                                            cmv_pos=bool(cmv[j]), female=bool(fem[j]), dsa=bool(dsa[j]), dpb1=dpb1[j],
                                            abo=abo[j], parity=parity[j])) for j in range(T)]
    p_age, p_cmv = rng.integers(1, 75, n).tolist(), (rng.random(n) < .5).tolist()
    sex, risk, lab = rng.choice(['M', 'F'], n).tolist(), rng.choice(['low', 'intermediate', 'high'], n).tolist(), rng.integers(0, k, n).tolist()
    return [dict(id=f'P{i}', context=dict(age=p_age[i], sex=sex[i], cmv_pos=p_cmv[i], risk=risk[i]),
                 candidates=cands[i * k:(i + 1) * k], label=lab[i]) for i in range(n)]

def donor_frame(n: int, seed: int = 1):
    "A registry search as a DataFrame: `n` donors with the features of `make`'s candidates"
    import pandas as pd
    rng = np.random.default_rng(seed)
    days = np.where(rng.random(n) < .05, np.nan, np.round(rng.random(n) * 60, 1))
    dpb1 = rng.choice(['permissive', 'nonpermissive_gvh', 'nonpermissive_hvg', 'unknown'], n)
    return pd.DataFrame(dict(age=rng.integers(18, 61, n), hla_match=rng.integers(6, 9, n),
                             days_to_collection=days, cmv_pos=rng.random(n) < .5,
                             female=rng.random(n) < .4, dsa=rng.random(n) < .03, dpb1=dpb1,
                             abo=rng.choice(['A', 'B', 'AB', 'O'], n), parity=rng.integers(0, 4, n)))


def bench_frame(n: int, repeats: int = 3) -> dict:
    "Seconds of `encode_frame` for one patient and `n` donors (best of `repeats`), and of a copy"
    feat = Featurizer().fit(make(2000))
    df = donor_frame(n)
    ctx = dict(age=50, sex='M', cmv_pos=True, risk='high')
    best, copy = [], []
    for _ in range(repeats):
        t = time.perf_counter(); feat.encode_frame(ctx, df); best.append(time.perf_counter() - t)
        t = time.perf_counter(); df.copy(deep=True); copy.append(time.perf_counter() - t)
    return dict(rows=n, encode_frame_s=min(best), frame_copy_s=min(copy),
                ratio_to_copy=min(best) / min(copy))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__); ap.add_argument('--n', type=int, default=100_000)
    ap.add_argument('--frame', type=int, default=0, help='instead: time encode_frame of one search of this many donors')
    ap.add_argument('--synth', action='store_true', help="featurise the generator's data (donor_rank.synth.generate) instead")
    a = ap.parse_args()
    if a.frame:
        import json, pathlib
        from bench_read import provenance
        res = provenance() | bench_frame(a.frame)
        print(res)
        (pathlib.Path(__file__).parent / 'results' / 'encode_frame.json').write_text(json.dumps(res, indent=1) + '\n')
        raise SystemExit
    t0 = time.perf_counter()
    if a.synth: from donor_rank.synth import generate; exs = generate(a.n, seed=0)
    else: exs = make(a.n)
    t1 = time.perf_counter()
    feat = Featurizer().fit(exs); t2 = time.perf_counter()
    b = feat.encode(exs); t3 = time.perf_counter()
    print(f"built {a.n:,} lists x 10 in {t1 - t0:.2f}s (not timed by the contract)")
    print(f"fit {t2 - t1:.2f}s; encode {t3 - t2:.2f}s; {b}")
    print(f"featurise (encode) {a.n:,} lists x 10: {t3 - t2:.2f} s")
