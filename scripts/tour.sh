#!/usr/bin/env bash
# Set up .venv and run the lessons tour: every lesson in quick mode, its checks printed as it
# goes, then the course site under tour/: tour/index.html (the course map) and one page per
# lesson, tour/NN_name.html (pass --full for the long versions; open tour/index.html in a browser).
# It ends by printing the one line that makes `minigan …` and `python lessons/…` work in your shell.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
status=0
.venv/bin/minigan tour --out tour "$@" || status=$?
echo
echo "Every command the README, the course pages and the exercises print works after this line:"
echo
echo "    source $(pwd)/.venv/bin/activate"
echo
exit "$status"
