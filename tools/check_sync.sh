#!/usr/bin/env bash
# Fail when the committed files are out of step with their sources:
#   1. `nbdev_export` would change donor_rank/ (the notebooks in nbs/ are the source);
#   2. `nbdev_clean` would change a notebook (as nbdev's own CI checks);
#   3. nbs/index.ipynb is not what tools/make_index.py makes from README.md.
# Nothing in your tree is edited: the package is snapshotted, exported, compared and restored;
# the notebooks are cleaned in a copy; the index is generated in memory.
set -euo pipefail
cd "$(dirname "$0")/.."
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
failed=0

cp -r donor_rank "$snap/before"
.venv/bin/nbdev_export
if ! diff -r -q -x __pycache__ "$snap/before" donor_rank >"$snap/diff"; then
  echo "notebooks and package out of step: nbdev_export changes these files:" >&2
  sed 's/^/  /' "$snap/diff" >&2
  echo "run 'nbdev_export' and commit donor_rank/ with the notebooks" >&2
  rm -rf donor_rank && cp -r "$snap/before" donor_rank
  failed=1
else
  echo "notebooks and package in step"
fi

cp -r nbs "$snap/nbs"
.venv/bin/nbdev_clean --fname "$snap/nbs" 2>"$snap/clean_err"
if ! diff -r -q nbs "$snap/nbs" >"$snap/diff"; then
  dirty=$(sed -n 's/^Files \(nbs\/[^ ]*\) and .*/\1/p' "$snap/diff" | paste -sd ' ')
  echo "notebooks not clean: nbdev_clean would change ${dirty:-nbs/};" \
    "run 'nbdev_clean' and commit" >&2
  failed=1
elif [ -s "$snap/clean_err" ]; then
  echo "nbdev_clean could not read every notebook:" >&2
  sed 's/^/  /' "$snap/clean_err" >&2
  failed=1
else
  echo "notebooks clean"
fi

if .venv/bin/python tools/make_index.py --check; then
  echo "nbs/index.ipynb in step with README.md"
else
  failed=1
fi
exit $failed
