#!/usr/bin/env bash
# Prints the path of a CPython 3.12 (Lambda's python3.12 runtime) for `make layer-smoke`, or says how to get one.
# Tries, in order: $PYTHON312, python3.12 on PATH, a pyenv-installed 3.12, Debian/Ubuntu's python3.12 package.
set -euo pipefail

is_312() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; }

for candidate in "${PYTHON312:-}" "$(command -v python3.12 || true)"; do
    if is_312 "$candidate"; then echo "$candidate"; exit 0; fi
done
if command -v pyenv >/dev/null; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | tail -1 || true)
    if [ -n "$version" ]; then
        candidate="$(pyenv root)/versions/$version/bin/python3.12"
        if is_312 "$candidate"; then echo "$candidate"; exit 0; fi
    fi
fi
# Where the distribution packages it (Ubuntu 24.04; Debian 12 does not), install it as root.
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
    && apt-cache policy python3.12 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "installing python3.12 with apt-get" >&2
    apt-get install -y -q python3.12 >&2
    if is_312 /usr/bin/python3.12; then echo /usr/bin/python3.12; exit 0; fi
fi
cat >&2 <<'MSG'
ERROR: make layer-smoke needs a CPython 3.12 interpreter (Lambda's python3.12 runtime) and found none.
Get one, then rerun (or point PYTHON312=/path/to/python3.12 at it):
  pyenv install 3.12          # any OS with pyenv
  uv python install 3.12      # with uv; then PYTHON312=$(uv python find 3.12)
  apt-get install python3.12  # Ubuntu 24.04 (older Ubuntu: the deadsnakes PPA)
MSG
exit 1
