#!/usr/bin/env bash
# Set up .venv and run the lessons tour: every lesson in quick mode, its checks printed as it
# goes, figures and an index.html gallery under tour/ (pass --full for the long versions).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/minigan tour --out tour "$@"
