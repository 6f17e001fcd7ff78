#!/usr/bin/env bash
# The test command: installs and starts Redis, RabbitMQ and PostgreSQL on loopback (scripts/infra), installs Go for
# the Helm chart's renderer (scripts/install-go.sh), then runs every test of the solution. Results go to TestResults/ as TRX.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/infra/install.sh
scripts/install-go.sh
scripts/infra/start.sh
# shellcheck source=infra/env.sh
source scripts/infra/env.sh

rm -rf TestResults
dotnet test Inference.sln --logger "trx" --results-directory TestResults "$@"
