#!/usr/bin/env bash
# Starts and stops the local stack used by the demo, the tests and CI: a throwaway PostgreSQL 15 cluster
# (Debian's binaries, data in .local/pg, loopback only) and Azurite (pinned in deploy/azurite).
# Idempotent: `start` on a running stack and `stop` on a stopped one do nothing.
#
#   deploy/local-stack.sh start | stop | status | env
#
# Ports come from BATCH_PG_PORT (default 55432) and BATCH_BLOB_PORT (default 10100).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.local"
pg_port="${BATCH_PG_PORT:-55432}"
blob_port="${BATCH_BLOB_PORT:-10100}"
pg_data="$state/pg"
az_dir="$root/deploy/azurite"
az_data="$state/azurite"
az_pid="$state/azurite.pid"
az_log="$state/azurite.log"
# Our days live in a business time zone; a server in a non-UTC zone keeps us honest about it.
pg_timezone="Asia/Kolkata"

say() { echo "local-stack: $*"; }
die() { echo "local-stack: $*" >&2; exit 1; }

as_postgres() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = 0 ]; then (cd / && su postgres -s /bin/bash -c "$*"); else bash -c "$*"; fi
}

find_pg_bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

ensure_postgres_installed() {
  find_pg_bin >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing postgresql-15 from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  else
    die "PostgreSQL 15 server binaries not found. Install them: sudo apt-get install postgresql-15"
  fi
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing nodejs and npm from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    die "Node.js 18+ and npm not found. Install them: sudo apt-get install nodejs npm"
  fi
}

# As root, the cluster belongs to the postgres user, who may not be able to reach a checkout under a private
# home folder; the cluster then lives in /var/tmp under a name derived from the checkout's path.
choose_pg_data() {
  [ "$(id -u)" = 0 ] || return 0
  [ -f "$state/pg-data-path" ] && { pg_data="$(cat "$state/pg-data-path")"; return 0; }
  if ! su postgres -s /bin/bash -c "test -x '$state'" 2>/dev/null; then
    pg_data="/var/tmp/batch-local-$(echo "$root" | md5sum | cut -c1-10)/pg"
    mkdir -p "$pg_data" && chown -R postgres:postgres "$(dirname "$pg_data")"
    say "the postgres user cannot reach $state; the cluster lives in $pg_data"
  fi
  echo "$pg_data" > "$state/pg-data-path"
}

pg_running() { [ -f "$pg_data/postmaster.pid" ] && as_postgres "'$(find_pg_bin)/pg_ctl' -D '$pg_data' status" >/dev/null 2>&1; }

start_pg() {
  ensure_postgres_installed
  local bin; bin="$(find_pg_bin)"
  mkdir -p "$state"
  choose_pg_data
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    say "initialising PostgreSQL cluster in $pg_data"
    mkdir -p "$pg_data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_data"
    as_postgres "'$bin/initdb' -D '$pg_data' -U batch --auth=trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
    cat >> "$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_data'
timezone = '$pg_timezone'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if pg_running; then say "PostgreSQL already running on 127.0.0.1:$pg_port"; else
    as_postgres "'$bin/pg_ctl' -D '$pg_data' -l '$pg_data/server.log' -o '-p $pg_port' -w -t 60 start" >/dev/null \
      || die "PostgreSQL did not start; see $pg_data/server.log"
    say "PostgreSQL started on 127.0.0.1:$pg_port"
  fi
  # The application database; tests create their own databases beside it.
  if ! psql -h 127.0.0.1 -p "$pg_port" -U batch -d postgres -tAc "select 1 from pg_database where datname='batch'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$pg_port" -U batch -d postgres -qc "create database batch" >/dev/null
  fi
}

az_running() { [ -f "$az_pid" ] && kill -0 "$(cat "$az_pid")" 2>/dev/null; }

start_azurite() {
  ensure_node
  if [ ! -x "$az_dir/node_modules/.bin/azurite-blob" ]; then
    say "installing Azurite (pinned in deploy/azurite/package-lock.json)"
    (cd "$az_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in deploy/azurite failed"
  fi
  if az_running; then say "Azurite already running on 127.0.0.1:$blob_port"; return 0; fi
  mkdir -p "$az_data"
  # --skipApiVersionCheck: Azure.Storage.Blobs 12.30 speaks a newer service version than Azurite 3.37 knows.
  nohup "$az_dir/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$blob_port" \
    --location "$az_data" --skipApiVersionCheck --silent >"$az_log" 2>&1 &
  echo $! >"$az_pid"
  for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null; then say "Azurite started on 127.0.0.1:$blob_port"; return 0; fi
    az_running || die "Azurite exited; see $az_log"
    sleep 0.2
  done
  die "Azurite did not open port $blob_port within 20 s; see $az_log"
}

stop_azurite() {
  if az_running; then
    # Azurite's graceful close can take half a minute once it has served requests; the port is only free when
    # the process is gone, so wait for it (and kill it after 30 s).
    local pid; pid="$(cat "$az_pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; say "Azurite did not exit within 30 s; killed"; fi
    say "Azurite stopped"
  fi
  rm -f "$az_pid"
}

stop_all() {
  [ -f "$state/pg-data-path" ] && pg_data="$(cat "$state/pg-data-path")"
  stop_azurite
  if pg_running; then as_postgres "'$(find_pg_bin)/pg_ctl' -D '$pg_data' -m fast -w stop" >/dev/null && say "PostgreSQL stopped"; fi
}

print_env() {
  echo "export Batch__ConnectionStrings__Postgres='Host=127.0.0.1;Port=$pg_port;Username=batch;Database=batch'"
  echo "export Batch__ConnectionStrings__Blobs='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1'"
}

case "${1:-}" in
  start) start_pg; start_azurite ;;
  stop) stop_all ;;
  status)
    [ -f "$state/pg-data-path" ] && pg_data="$(cat "$state/pg-data-path")"
    pg_running && say "PostgreSQL running on 127.0.0.1:$pg_port" || say "PostgreSQL stopped"
    az_running && say "Azurite running on 127.0.0.1:$blob_port" || say "Azurite stopped" ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
