#!/usr/bin/env bash
# Serves the quick start of docs/django.md (examples/django) with daphne on 127.0.0.1:PORT, on a
# fresh SQLite database with one user, alice/alice.
set -euo pipefail
cd "$(dirname "$0")/../../../examples/django"
PORT="${1:-8310}"
PY=/usr/bin/python3 # Debian's interpreter: the one the python3-django* packages are installed for
export PYTHONPATH="$(cd ../../python && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export QUICKSTART_DB="${QUICKSTART_DB:-$(mktemp -d)/quickstart.sqlite3}"
"$PY" manage.py migrate --noinput -v 0
DJANGO_SUPERUSER_PASSWORD=alice "$PY" manage.py createsuperuser --noinput --username alice --email alice@example.com >/dev/null
exec "$PY" -m daphne -b 127.0.0.1 -p "$PORT" mysite.asgi:application
