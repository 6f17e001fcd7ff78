#!/usr/bin/env bash
# Usage: status.sh [redis|rabbitmq|postgres ...]   (no argument: all three)
# One line per server; exits 1 if any of them is not running.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

list="$(infra_servers "$@")"
mapfile -t servers <<<"$list"

rc=0
report() { # name address check...
  local name="$1" address="$2"
  shift 2
  if "$@" >/dev/null 2>&1; then
    echo "$name: running at $address"
  else
    echo "$name: not running ($address)"
    rc=1
  fi
}

for s in "${servers[@]}"; do
  case "$s" in
    redis) report redis "$INFERENCE_REDIS" infra_redis_ping ;;
    rabbitmq)
      report rabbitmq "$INFERENCE_RABBITMQ (management $INFERENCE_RABBITMQ_MANAGEMENT)" \
        curl -fsS -m 5 -u guest:guest "${INFERENCE_RABBITMQ_MANAGEMENT}api/overview" ;;
    postgres)
      report postgres "$INFERENCE_POSTGRES" \
        "$(infra_pg_bin)/pg_isready" -U postgres -h 127.0.0.1 -p "$POSTGRES_PORT" ;;
  esac
done
exit "$rc"
