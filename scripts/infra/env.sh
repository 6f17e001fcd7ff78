# shellcheck shell=bash
# Settings for the private Redis, RabbitMQ and PostgreSQL used by tests, CI and developers.
# Source it (`. scripts/infra/env.sh`): every value below can be overridden from the environment.
# No `set -e` here, because it would change the shell of whoever sources this file.

INFERENCE_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"
INFERENCE_INFRA_HOME="${INFERENCE_INFRA_HOME:-$INFERENCE_REPO_ROOT/.infra}"
# Servers chdir and switch users, so a relative folder would point somewhere else for them.
case "$INFERENCE_INFRA_HOME" in /*) ;; *) INFERENCE_INFRA_HOME="$PWD/$INFERENCE_INFRA_HOME" ;; esac

REDIS_PORT="${REDIS_PORT:-6391}"
RABBITMQ_PORT="${RABBITMQ_PORT:-5682}"
RABBITMQ_MANAGEMENT_PORT="${RABBITMQ_MANAGEMENT_PORT:-15682}"
RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-25682}"
RABBITMQ_NODE="${RABBITMQ_NODE:-inference@localhost}"
RABBITMQ_SCHEDULERS="${RABBITMQ_SCHEDULERS:-1}"
RABBITMQ_CLASSIC_QUEUE_VERSION="${RABBITMQ_CLASSIC_QUEUE_VERSION:-1}"
POSTGRES_PORT="${POSTGRES_PORT:-5442}"
# A Prometheus the integration tests start themselves (scraping the services they start), never the system's on 9090.
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9392}"
export INFERENCE_INFRA_HOME REDIS_PORT RABBITMQ_PORT RABBITMQ_MANAGEMENT_PORT RABBITMQ_DIST_PORT \
  RABBITMQ_NODE RABBITMQ_SCHEDULERS RABBITMQ_CLASSIC_QUEUE_VERSION POSTGRES_PORT PROMETHEUS_PORT

# What the C# services and tests read.
export INFERENCE_REDIS="127.0.0.1:$REDIS_PORT"
export INFERENCE_RABBITMQ="amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT/"
export INFERENCE_RABBITMQ_MANAGEMENT="http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/"
export INFERENCE_POSTGRES="Host=127.0.0.1;Port=$POSTGRES_PORT;Username=postgres;Database=inference"

# --- Helpers shared by start.sh, stop.sh and status.sh ---------------------------------------

INFRA_SERVERS=(redis rabbitmq postgres)

# Prints the servers named in the arguments (all when none), or fails on an unknown name.
infra_servers() {
  local s
  (($#)) || set -- "${INFRA_SERVERS[@]}"
  for s in "$@"; do
    case "$s" in
      redis | rabbitmq | postgres) echo "$s" ;;
      *) echo "unknown server '$s' (expected: ${INFRA_SERVERS[*]})" >&2; return 2 ;;
    esac
  done
}

# redis-cli exits 0 on error replies too (LOADING while it reads the AOF), so compare the
# answer; it has no timeout of its own, and a foreign listener on the port could hang it.
infra_redis_ping() { [[ "$(timeout 3 redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

# True if process $1 runs. A zombie counts as gone: it has exited, and the init of some
# machines (this VM's among them) takes a second or two to reap it.
infra_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" && [[ "${stat##*) }" != Z* ]]
}

infra_pid_alive() { [[ -s "$1" ]] && infra_alive "$(<"$1")"; }

# The Debian wrappers in /usr/sbin re-run rabbitmqctl as user rabbitmq with its own HOME, hence
# its cookie; the real scripts with our HOME share the cookie the private node created.
# ERL_EPMD_ADDRESS: rabbitmqctl starts epmd when none runs (await_startup runs before the node is up), and without it that
# epmd would listen on every interface.
infra_rabbitmqctl() {
  ERL_EPMD_ADDRESS=127.0.0.1 HOME="$INFERENCE_INFRA_HOME/rabbitmq" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODE" "$@"
}

# The newest installed major version (the one Debian's `postgresql` package depends on).
infra_pg_bin() {
  local bins=(/usr/lib/postgresql/*/bin)
  [[ -x "${bins[-1]}/pg_ctl" ]] || { echo "PostgreSQL is not installed (see install.sh)" >&2; return 1; }
  echo "${bins[-1]}"
}

# PostgreSQL refuses to run as root: as root, run it as `postgres`, otherwise as the caller.
infra_as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}
