#!/usr/bin/env bash
# Set up a virtual environment (if missing) and run the lessons tour: every lesson in quick
# mode, its checks printed as it goes, figures and an index.html gallery under tour/.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
export MPLBACKEND=Agg
.venv/bin/minigan tour --out tour "$@"
