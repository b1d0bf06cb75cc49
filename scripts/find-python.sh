#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6.1 needs it), looking where Debian, pyenv and uv put them.
# uv must not download an interpreter here (closed network), so we hand it one.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=("${YTCS_PYTHON:-}")
for name in python3.13 python3.12 python3; do candidates+=("$(command -v "$name" 2>/dev/null)"); done
for root in "${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv /opt/pyenv; do
  for p in "$root"/versions/3.1[2-9]*/bin/python3; do candidates+=("$p"); done
done
candidates+=(/usr/local/bin/python3.13 /usr/local/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12)
for c in "${candidates[@]}"; do
  if [ -n "$c" ] && [ -x "$c" ] && ok "$c"; then echo "$c"; exit 0; fi
done
echo "YTCS needs Python >= 3.12 (Django 6.1). Install one (e.g. pyenv or your distribution's python3.12) or set YTCS_PYTHON." >&2
exit 1
