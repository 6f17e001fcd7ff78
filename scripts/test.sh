#!/usr/bin/env bash
# The test command: installs and starts Redis, RabbitMQ and PostgreSQL on loopback (scripts/infra),
# then runs every test of the solution against them. Results go to TestResults/ as TRX.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/infra/install.sh
scripts/infra/start.sh
# shellcheck source=infra/env.sh
source scripts/infra/env.sh

rm -rf TestResults
dotnet test Inference.sln --logger "trx" --results-directory TestResults "$@"
