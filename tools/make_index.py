"""Write nbs/index.ipynb from README.md, so the two tell the same story (run after editing the README)."""
import json
from pathlib import Path

root = Path(__file__).resolve().parent.parent
readme = (root / 'README.md').read_text()
body = readme.split('\n', 1)[1].strip('\n')                     # drop the '# donor_rank' title line
nb = json.loads((root / 'nbs' / 'index.ipynb').read_text())
md = [c for c in nb['cells'] if c['cell_type'] == 'markdown']
md[1]['source'] = body.splitlines(keepends=True)                   # cell 0 is the title and summary
(root / 'nbs' / 'index.ipynb').write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
