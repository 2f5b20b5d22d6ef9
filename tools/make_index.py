"""Write nbs/index.ipynb, the docs' landing page, from README.md (the one source of both).

    .venv/bin/python tools/make_index.py            # after editing README.md
    .venv/bin/python tools/make_index.py --check    # exit 1 when nbs/index.ipynb is out of step

The page holds the README's title, its opening (up to the first `##` heading), the notebook map
and a pointer to the README for the rest. nbdev's `readme_nb` is set in settings.ini to a notebook
that does not exist, so `nbdev_readme` / `nbdev_prepare` never write README.md from the index.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / 'nbs' / 'index.ipynb'
MAP_HEADING = '## Notebooks'          # the README section copied after the opening
SUMMARY = 'Learning to rank unrelated stem-cell donors, with a known oracle.'
FOOTER = ('Everything else (results and the commands that produced them, the command-line\n'
          'tools, the Python API, the data schema, the generator, the model and its defaults,\n'
          'checkpoints) is in `README.md` at the root of the repository. This page is generated\n'
          'from it by `tools/make_index.py`; edit the README, not this page.')
TEST_CELL = ['#| hide', 'import donor_rank', 'from donor_rank.synth import generate',
             'assert len(generate(3, seed=0).examples) == 3', 'donor_rank.__version__']


def sections(readme: str) -> tuple[str, str, dict]:
    "README as (title line, opening text, {'## heading': section text})."
    title, rest = readme.split('\n', 1)
    parts = rest.split('\n## ')
    named = {}
    for part in parts[1:]:
        heading, _, body = part.partition('\n')
        named['## ' + heading] = body.strip('\n')
    return title, parts[0].strip('\n'), named


def cell(kind: str, cell_id: str, text: str) -> dict:
    "One notebook cell in the layout `nbdev_clean` leaves unchanged."
    lines = text.splitlines(keepends=True)
    c = {'cell_type': kind, 'id': cell_id, 'metadata': {}, 'source': lines}
    if kind == 'code':
        c.update(execution_count=None, outputs=[])
    return c


def index_notebook(readme: str) -> dict:
    "The landing-page notebook for a README's text."
    title, opening, named = sections(readme)
    heading = next(h for h in named if h.startswith(MAP_HEADING))
    page = f'{opening}\n\n{heading}\n\n{named[heading]}\n\n{FOOTER}'
    cells = [cell('markdown', '30a1118f', f'{title}\n\n> {SUMMARY}'),
             cell('markdown', 'e7ea4399', page),
             cell('code', '00f57293', '\n'.join(TEST_CELL))]
    meta = {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}
    return {'cells': cells, 'metadata': meta, 'nbformat': 4, 'nbformat_minor': 5}


def render(nb: dict) -> str:
    "The notebook's text as nbdev writes it."
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='only compare; exit 1 when out of step')
    a = ap.parse_args()
    text = render(index_notebook((ROOT / 'README.md').read_text(encoding='utf-8')))
    if not a.check:
        INDEX.write_text(text, encoding='utf-8')
        return 0
    if INDEX.read_text(encoding='utf-8') != text:
        msg = "nbs/index.ipynb out of step with README.md: run 'make index' and commit"
        print(msg, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
