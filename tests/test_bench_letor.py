"The LETOR benchmark on a tiny SVMlight sample: per-query paired intervals in its summary."
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]


def write_letor(path: Path, queries: int, rng) -> int:
    "`queries` lists of 5-9 documents, grade 0-2 from feature 1 plus noise; lists with a grade > 0."
    lines, sizes, graded = [], [], 0
    for q in range(queries):
        n = int(rng.integers(5, 10))
        x = rng.random((n, 4))
        grade = np.digitize(x[:, 0] + 0.3 * rng.random(n), [0.7, 1.0])
        graded += int((grade > 0).any())
        sizes.append(n)
        for g, row in zip(grade, x):
            feats = ' '.join(f'{j + 1}:{v:.4f}' for j, v in enumerate(row))
            lines.append(f'{g} qid:{q} {feats}\n')
    path.write_text(''.join(lines))
    Path(f'{path}.query').write_text(''.join(f'{s}\n' for s in sizes))
    return graded


def test_letor_summary_has_query_intervals(tmp_path):
    rng = np.random.default_rng(0)
    write_letor(tmp_path / 'rank.train', 30, rng)
    graded = write_letor(tmp_path / 'rank.test', 12, rng)
    out = tmp_path / 'letor.json'
    cmd = [sys.executable, str(ROOT / 'bench' / 'bench_letor_sample.py'), '--dir', str(tmp_path),
           '--seeds', '2', '--train-queries', '24', '--trees', 'none',
           '--configs', 'epochs=1', 'epochs=3', '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=600)
    summary = json.loads(out.read_text())['summary']
    tab = summary['95% intervals over queries']['epochs=3 - epochs=1']
    assert tab['n'] == graded                        # every test query with a relevant document
    assert tab['lo'] <= tab['diff'] <= tab['hi']
    np.testing.assert_allclose(tab['diff'], summary['epochs=3'] - summary['epochs=1'], atol=1e-6)


def test_letor_one_config_without_peers(tmp_path):
    "One model config and no tree ranker: nothing to pair, so a summary without intervals."
    rng = np.random.default_rng(1)
    write_letor(tmp_path / 'rank.train', 20, rng)
    write_letor(tmp_path / 'rank.test', 6, rng)
    out = tmp_path / 'letor.json'
    cmd = [sys.executable, str(ROOT / 'bench' / 'bench_letor_sample.py'), '--dir', str(tmp_path),
           '--seeds', '1', '--train-queries', '16', '--trees', 'none',
           '--configs', 'epochs=1', '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=600)
    summary = json.loads(out.read_text())['summary']
    assert 0 <= summary['epochs=1'] <= 1
    assert summary['95% intervals over queries'] == {}
