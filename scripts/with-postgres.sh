#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster: initdb in a temporary directory,
# start it on a free port, export DATABASE_URL, run "$@", then stop and remove the cluster
# whatever happens. With WITH_POSTGRES_KEEP=DIR the cluster lives in DIR instead and is kept (only
# stopped) at the end, so that a benchmark can reuse a database it built once.
set -euo pipefail

find_bin() {
  local name=$1
  command -v "$name" 2>/dev/null && return
  ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
if [[ -z "$INITDB" || -z "$PG_CTL" ]]; then
  echo "with-postgres: initdb/pg_ctl not found; install the PostgreSQL 15 server binaries." >&2
  exit 2
fi

keep=${WITH_POSTGRES_KEEP:-}
if [[ -n "$keep" ]]; then
  mkdir -p "$keep"
  workdir=$(cd "$keep" && pwd)  # the server runs in its data folder: paths must be absolute
else
  workdir=$(mktemp -d /tmp/ecotone-pg.XXXXXX)
fi
chmod 755 "$workdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# PostgreSQL refuses to run as root: run the server as an unprivileged account then.
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  pg_user=postgres
  id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_user"
  chown "$pg_user" "$workdir"
  as_pg=(runuser -u "$pg_user" --)
fi

cleanup() {
  if [[ -n "$keep" ]]; then
    "${as_pg[@]}" "$PG_CTL" -D "$workdir/data" -m fast stop >/dev/null 2>&1 || true
  else
    "${as_pg[@]}" "$PG_CTL" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
  fi
}
trap cleanup EXIT INT TERM

if [[ ! -f "$workdir/data/PG_VERSION" ]]; then
  "${as_pg[@]}" "$INITDB" -D "$workdir/data" -U ecotone --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# No autovacuum: a test's rows live and die in its own transaction, so an autovacuum in between
# sees empty tables and records them as holding no rows (reltuples 0 over the pages left); a later
# test's few hundred rows were then planned as one, and a facet count of the directory search
# ran a nested loop for 4 minutes (241 s in one PostgreSQL phase, 2.7 s alone). Tables never
# vacuumed are estimated from their current size instead.
"${as_pg[@]}" "$PG_CTL" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
  start >/dev/null

export DATABASE_URL="postgres://ecotone@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("${as_pg[@]}" "$PG_CTL" --version | awk '{print $3}') on port $port"
"$@"
