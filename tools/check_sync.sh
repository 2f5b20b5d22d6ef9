#!/usr/bin/env bash
# Fail when `nbdev_export` would change donor_rank/: the notebooks in nbs/ are the source.
# The package is snapshotted, exported, compared and restored, so the check never edits your tree.
set -euo pipefail
cd "$(dirname "$0")/.."
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
cp -r donor_rank "$snap/before"
.venv/bin/nbdev_export
if ! diff -r -q -x __pycache__ "$snap/before" donor_rank >"$snap/diff"; then
  echo "notebooks and package out of step: nbdev_export changes these files:" >&2
  sed 's/^/  /' "$snap/diff" >&2
  echo "run 'nbdev_export' and commit donor_rank/ with the notebooks" >&2
  rm -rf donor_rank && cp -r "$snap/before" donor_rank
  exit 1
fi
echo "notebooks and package in step"
