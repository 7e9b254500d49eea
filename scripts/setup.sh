#!/usr/bin/env bash
# Create .venv (if missing) and install minigan with its test tools into it (the dev extra, which
# includes the notebooks extra and selenium: the tests run the lessons as notebooks and in a browser).
# Sourced by scripts/tour.sh and scripts/test.sh; needs only Python ≥ 3.10 and pip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev,digits]'
export MPLBACKEND=Agg
