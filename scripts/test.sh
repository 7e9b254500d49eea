#!/usr/bin/env bash
# Set up .venv and run the whole test suite on the NumPy backend, then again on the strict
# backend (NumPy arrays that refuse implicit host transfers, as CuPy's do). On a GPU machine,
# MINIGAN_TEST_BACKENDS="numpy strict cupy" adds the CuPy run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# parallel test workers each get one BLAS thread: oversubscribed OpenBLAS threads stall for milliseconds
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
for backend in ${MINIGAN_TEST_BACKENDS:-numpy strict}; do
  echo "== tests on the $backend backend"
  MINIGAN_BACKEND=$backend .venv/bin/python -m pytest -n "${MINIGAN_TEST_WORKERS:-auto}" -p no:cacheprovider "$@"
done
