#!/usr/bin/env bash
# Usage: stop.sh [redis|rabbitmq|postgres ...]   (no argument: all three)
# Stops the servers start.sh started; their data stays in $INFERENCE_INFRA_HOME.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

list="$(infra_servers "$@")"
mapfile -t servers <<<"$list"

wait_exit() { # name pid
  for _ in $(seq 150); do
    infra_alive "$2" || { echo "$1: stopped"; return; }
    sleep 0.2
  done
  echo "$1: pid $2 still running after 30 s" >&2
  return 1
}

stop_redis() {
  local pidfile="$INFERENCE_INFRA_HOME/redis/redis.pid" pid
  infra_pid_alive "$pidfile" || { echo "redis: not running"; return; }
  pid="$(<"$pidfile")"
  # SIGTERM is Redis's clean shutdown: it flushes the append-only file first.
  kill "$pid"
  wait_exit redis "$pid"
}

stop_rabbitmq() {
  local pidfile="$INFERENCE_INFRA_HOME/rabbitmq/rabbitmq.pid" pid
  infra_pid_alive "$pidfile" || { echo "rabbitmq: not running"; return; }
  pid="$(<"$pidfile")"
  # The node deletes its pid file before its VM exits, and `stop <pidfile>` would also wait for
  # the zombie to be reaped (see infra_alive): so wait for the pid ourselves.
  infra_rabbitmqctl -q stop >/dev/null
  wait_exit rabbitmq "$pid"
  # The node started epmd; end it unless another Erlang node still uses it.
  if ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
}

stop_postgres() {
  local data="$INFERENCE_INFRA_HOME/postgres/data" bin
  bin="$(infra_pg_bin)"
  if [[ ! -d "$data" ]] || ! infra_as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgres: not running"
    return
  fi
  # Fast mode disconnects clients, yet shuts down cleanly (no recovery on the next start).
  infra_as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  echo "postgres: stopped"
}

for s in "${servers[@]}"; do
  case "$s" in
    redis) stop_redis ;;
    rabbitmq) stop_rabbitmq ;;
    postgres) stop_postgres ;;
  esac
done
