#!/usr/bin/env bash
# Start the Agora dashboard on the demo towns: ./run.sh [streamlit options]
# Creates .venv (Python 3.11) and installs requirements.txt on first use.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements.txt
exec python -m streamlit run dashboard.py "$@"
