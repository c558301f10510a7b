#!/usr/bin/env bash
# A production-like Ecotone on this machine (`make serve-prod`): PostgreSQL, gunicorn, whitenoise
# serving the collected static files, the django-tasks database worker, DEBUG off, a generated
# SECRET_KEY and a cache shared by the web workers. Ctrl-C stops everything.
#
# Without DATABASE_URL it keeps a PostgreSQL cluster in var/serve-prod-pg (scripts/with-postgres.sh
# with WITH_POSTGRES_KEEP), so the demo is loaded once and later starts take seconds.
# Environment: HOST, PORT (8000), SIZE (medium), WEB_WORKERS (2 x cores + 1), WEB_THREADS (1),
# GUNICORN_ARGS (more options, e.g. `--access-logfile -`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ -z "${DATABASE_URL:-}" && -z "${SERVE_PROD_INNER:-}" ]]; then
  export WITH_POSTGRES_KEEP=${WITH_POSTGRES_KEEP:-$root/var/serve-prod-pg}
  export SERVE_PROD_INNER=1
  exec scripts/with-postgres.sh "$0" "$@"
fi

PY=$root/.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SIZE=${SIZE:-medium}
cores=$(nproc)
WEB_WORKERS=${WEB_WORKERS:-$((2 * cores + 1))}
WEB_THREADS=${WEB_THREADS:-1}

mkdir -p var
# A secret made once for this machine's stack, so sessions outlive a restart; never committed.
if [[ ! -s var/serve-prod.secret ]]; then
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >var/serve-prod.secret)
fi
export SECRET_KEY=${SECRET_KEY:-$(cat var/serve-prod.secret)}
export DEBUG=false
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}
# Plain HTTP on the loopback: no TLS proxy here, so HTTPS (secure cookies, redirects) stays off.
export HTTPS=false
export TASKS_BACKEND=database
export CACHE_URL=${CACHE_URL:-dbcache://ecotone_cache}
export STATIC_ROOT=${STATIC_ROOT:-$root/var/serve-prod-static}
export MEDIA_ROOT=${MEDIA_ROOT:-$root/var/serve-prod-media}
export LOG_LEVEL=${LOG_LEVEL:-WARNING}

"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py createcachetable --verbosity 0
"$PY" manage.py seed_demo --size "$SIZE"
"$PY" manage.py collectstatic --noinput --verbosity 0

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" manage.py db_worker --queue-name default --no-reload &
pids+=($!)
echo "serve-prod: $WEB_WORKERS gunicorn workers x $WEB_THREADS threads at http://$HOST:$PORT/  (Ctrl-C to stop)"
# gthread with one thread is the sync worker with keep-alive: a load balancer's (and the load
# test's) connections are reused instead of reopened per request.
"$root/.venv/bin/gunicorn" ecotone.wsgi:application \
  --pythonpath src \
  --bind "$HOST:$PORT" \
  --workers "$WEB_WORKERS" \
  --worker-class gthread --threads "$WEB_THREADS" \
  --max-requests 5000 --max-requests-jitter 500 \
  --timeout 60 --graceful-timeout 10 \
  ${GUNICORN_ARGS:-} &
pids+=($!)
wait -n "${pids[@]}"
