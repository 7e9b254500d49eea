#!/usr/bin/env bash
# Set up a virtual environment (if missing) and run the whole test suite on the NumPy backend
# and again on the strict backend (NumPy arrays with CuPy's refusal of implicit host transfers).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
export MPLBACKEND=Agg
echo "== tests on the numpy backend"
MINIGAN_BACKEND=numpy .venv/bin/python -m pytest -n "${MINIGAN_TEST_WORKERS:-auto}" -p no:cacheprovider "$@"
echo "== tests on the strict backend"
MINIGAN_BACKEND=strict .venv/bin/python -m pytest -n "${MINIGAN_TEST_WORKERS:-auto}" -p no:cacheprovider -m "not numpy_only" "$@"
