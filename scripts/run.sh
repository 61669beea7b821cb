#!/usr/bin/env bash
# `make run`: the embedded default. SQLite file, file-based Celery queue (worker + beat in the
# background), built-in prices unless provider API keys are set. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
# Launches are dry runs until the team connects a provider account (then they are real).
export LAUNCH_DRY_RUN=${LAUNCH_DRY_RUN:-auto}
mkdir -p var/celery/queue var/celery/processed var/celery/control

"$PY" manage.py migrate --noinput
"$PY" manage.py ensure_demo_user || true
echo "Loading prices (live where API keys are set, the built-in price list otherwise)..."
"$PY" manage.py refresh_prices || echo "Some providers failed; their built-in or last good prices are shown and marked."

# Background price polling: one Celery worker with beat embedded, on the file-based queue.
"$PY" -m celery -A config worker --beat --pool=solo --concurrency=1 --loglevel=WARNING \
    --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo "Serving on http://127.0.0.1:${PORT}/  (prices refresh every ${PRICE_POLL_INTERVAL_SECONDS:-300}s; worker log: var/celery.log)"
"$PY" manage.py runserver "127.0.0.1:${PORT}" --noreload
