#!/usr/bin/env bash
# Start the Agora dashboard on the demo towns: ./run.sh [streamlit options]
# Creates .venv (Python 3.11) and installs requirements.txt on first use.
# The browser's upload cap (server.maxUploadSize, MiB) is AGORA_MAX_UPLOAD_MB, the loaders' limit.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements.txt
cap=$(python -c "from agora.loaders.read import upload_cap_mb; print(upload_cap_mb())")
# agora.ui.server imports the pages' libraries, then runs `streamlit run dashboard.py`.
exec python -m agora.ui.server --server.maxUploadSize "$cap" "$@"
