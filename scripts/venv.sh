# Sourced by run.sh and test.sh: create .venv if needed, activate it, install a requirements file.
py=$(command -v python3.11 || command -v python3)
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $($py --version)..."
  "$py" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-$(basename "$1")"
if [ ! -f "$stamp" ] || [ "$1" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -r "$1"
  touch "$stamp"
  # A file that includes requirements.txt (-r) has installed it too.
  if grep -q '^-r requirements.txt' "$1"; then touch .venv/.installed-requirements.txt; fi
fi
