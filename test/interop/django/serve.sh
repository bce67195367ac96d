#!/usr/bin/env bash
# Serves the interop Django Channels app with daphne on 127.0.0.1:PORT (default 8300),
# on a fresh SQLite database seeded with alice/alice and bob/bob.
set -euo pipefail
cd "$(dirname "$0")"
PORT="${1:-${DJANGO_PORT:-8300}}"
PY=/usr/bin/python3 # Debian's interpreter: the one the python3-django* packages are installed for
# The example project runs the package from this repository's python/ folder.
export PYTHONPATH="$(cd ../../../python && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export INTEROP_DB="${INTEROP_DB:-$(mktemp -d)/interop.sqlite3}"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed
exec "$PY" -m daphne -b 127.0.0.1 -p "$PORT" interop.asgi:application
