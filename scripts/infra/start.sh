#!/usr/bin/env bash
# Usage: start.sh [redis|rabbitmq|postgres ...]   (no argument: all three)
# Starts private servers on 127.0.0.1 with their data in $INFERENCE_INFRA_HOME; waits until each
# really answers. Already running servers are left alone.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

list="$(infra_servers "$@")"
mapfile -t servers <<<"$list"

fail() { # server message log-file...
  local f
  echo "$1: $2" >&2
  for f in "${@:3}"; do
    if [[ -s "$f" ]]; then echo "--- last lines of $f:" >&2; tail -n 30 "$f" >&2; fi
  done
  exit 1
}

# Polls "$@" every 0.2 s for up to $1 seconds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Checking the pid too, lest another server on the port answer the PING.
redis_ready() { infra_pid_alive "$INFERENCE_INFRA_HOME/redis/redis.pid" && infra_redis_ping; }

start_redis() {
  local home="$INFERENCE_INFRA_HOME/redis"
  if redis_ready; then
    echo "redis: already running at $INFERENCE_REDIS"
    return
  fi
  mkdir -p "$home/data" "$home/log"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --appendonly yes \
    --dir "$home/data" --pidfile "$home/redis.pid" --logfile "$home/log/redis.log" ||
    fail redis "redis-server failed" "$home/log/redis.log"
  wait_for 10 redis_ready || fail redis "no answer to PING" "$home/log/redis.log"
  echo "redis: started at $INFERENCE_REDIS"
}

# RabbitMQ takes ~10 s to boot, so it is launched first and awaited after the others started.
# +sbwt none: Erlang schedulers otherwise busy-wait for work, burning a core the services need on a small machine.
# +S: one scheduler by default (RABBITMQ_SCHEDULERS): beside a dozen service processes on two cores, a second one costs more
# in wake-ups and migrations than it gains (bench/README.md: RabbitMQ CPU per product -23 %, throughput +12 %).
rabbitmq_env() {
  local home="$INFERENCE_INFRA_HOME/rabbitmq"
  export HOME="$home" \
    RABBITMQ_NODENAME="$RABBITMQ_NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
    RABBITMQ_DIST_PORT \
    RABBITMQ_MNESIA_BASE="$home/mnesia" \
    RABBITMQ_LOG_BASE="$home/log" \
    RABBITMQ_PID_FILE="$home/rabbitmq.pid" \
    RABBITMQ_CONFIG_FILE="$home/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$home/advanced.config" \
    RABBITMQ_CONF_ENV_FILE="$home/rabbitmq-env.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none +S $RABBITMQ_SCHEDULERS:$RABBITMQ_SCHEDULERS" \
    ERL_EPMD_ADDRESS=127.0.0.1
}

rabbitmq_launch() {
  local home="$INFERENCE_INFRA_HOME/rabbitmq"
  if infra_pid_alive "$home/rabbitmq.pid"; then
    rabbitmq_was_running=1
    return
  fi
  mkdir -p "$home/log"
  # Rewritten on each start so that changed ports take effect.
  # Classic queues v1 by default (RABBITMQ_CLASSIC_QUEUE_VERSION): Debian 12's RabbitMQ 3.10 stores v2 queues in segment
  # files it creates and deletes many times a second when consumers keep up: with v2, RabbitMQ spent 27-64 % more CPU per
  # product at a steady rate (bench/results/experiments/classic-queue-version/).
  printf '%s\n' "management.tcp.ip = 127.0.0.1" "management.tcp.port = $RABBITMQ_MANAGEMENT_PORT" \
    "classic_queue.default_version = $RABBITMQ_CLASSIC_QUEUE_VERSION" >"$home/rabbitmq.conf"
  [[ -e "$home/enabled_plugins" ]] || echo '[rabbitmq_management].' >"$home/enabled_plugins"
  # Made here, not by whichever of server or rabbitmqctl comes first, so both read the same one.
  if [[ ! -s "$home/.erlang.cookie" ]]; then
    (umask 077 && od -An -tx1 -N20 /dev/urandom | tr -d ' \n' >"$home/.erlang.cookie")
    chmod 400 "$home/.erlang.cookie"
  fi
  rm -f "$home/rabbitmq.pid"
  # The real script, not /usr/sbin's wrapper, which would switch to user rabbitmq and its HOME.
  (rabbitmq_env && /usr/lib/rabbitmq/bin/rabbitmq-server -detached) \
    >>"$home/log/startup.log" 2>&1 || rabbitmq_fail "rabbitmq-server failed"
}

rabbitmq_fail() {
  local log="$INFERENCE_INFRA_HOME/rabbitmq/log"
  fail rabbitmq "$1" "$log/startup.log" "$log/$RABBITMQ_NODE.log"
}

rabbitmq_await() {
  local pidfile="$INFERENCE_INFRA_HOME/rabbitmq/rabbitmq.pid" deadline=$((SECONDS + 60))
  # await_startup fails at once while the node is not yet registered, so retry it.
  until infra_rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1; do
    # The node writes its pid file early in boot: a dead pid means it crashed.
    if [[ -s "$pidfile" ]] && ! infra_pid_alive "$pidfile"; then
      rabbitmq_fail "node exited during startup"
    fi
    ((SECONDS < deadline)) || rabbitmq_fail "not started after 60 s"
    sleep 0.5
  done
  wait_for 30 curl -fsS -m 5 -u guest:guest "${INFERENCE_RABBITMQ_MANAGEMENT}api/overview" ||
    rabbitmq_fail "management API does not answer on port $RABBITMQ_MANAGEMENT_PORT"
  local state=started
  ((rabbitmq_was_running == 0)) || state="already running"
  echo "rabbitmq: $state at $INFERENCE_RABBITMQ (management $INFERENCE_RABBITMQ_MANAGEMENT)"
}

start_postgres() {
  local home="$INFERENCE_INFRA_HOME/postgres" bin opts psql state=started
  bin="$(infra_pg_bin)"
  mkdir -p "$home/data" "$home/log" "$home/run"
  if ((EUID == 0)); then chown postgres:postgres "$home/data" "$home/log" "$home/run"; fi
  chmod 700 "$home/data"
  infra_as_pg test -w "$home/data" ||
    fail postgres "user postgres cannot write $home/data (a parent folder is not searchable?)"
  if infra_as_pg "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
    state="already running"
  else
    if [[ ! -s "$home/data/PG_VERSION" ]]; then
      infra_as_pg "$bin/initdb" -D "$home/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$home/log/initdb.log" 2>&1 || fail postgres "initdb failed" "$home/log/initdb.log"
    fi
    # Settings go on the command line, not into the data folder, so changed ports take effect.
    opts="-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k '$home/run'"
    opts+=" -c max_connections=200 -c shared_buffers=128MB"
    infra_as_pg "$bin/pg_ctl" -D "$home/data" -l "$home/log/postgres.log" -w -t 30 -o "$opts" start \
      >/dev/null 2>&1 || fail postgres "pg_ctl start failed" "$home/log/postgres.log"
    wait_for 10 "$bin/pg_isready" -q -U postgres -h 127.0.0.1 -p "$POSTGRES_PORT" ||
      fail postgres "pg_isready failed" "$home/log/postgres.log"
  fi
  psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres)
  if [[ -z "$("${psql[@]}" -tAc "select 1 from pg_database where datname = 'inference'")" ]]; then
    "${psql[@]}" -c 'create database inference' ||
      fail postgres "could not create database inference" "$home/log/postgres.log"
  fi
  echo "postgres: $state at $INFERENCE_POSTGRES"
}

mkdir -p "$INFERENCE_INFRA_HOME"
rabbitmq_was_running=0
want() { [[ " ${servers[*]} " == *" $1 "* ]]; }
if want rabbitmq; then rabbitmq_launch; fi
if want redis; then start_redis; fi
if want postgres; then start_postgres; fi
if want rabbitmq; then rabbitmq_await; fi
