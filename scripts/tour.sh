#!/usr/bin/env bash
# Set up .venv and run the lessons tour: every lesson in quick mode, its checks printed as it
# goes, then the course site under tour/: tour/index.html (the course map) and one page per
# lesson, tour/NN_name.html (pass --full for the long versions; open tour/index.html in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/minigan tour --out tour "$@"
