#!/usr/bin/env bash
# The test command: installs what the tests need (Redis, RabbitMQ, PostgreSQL, Chromium, Go for the Helm chart's
# renderer: scripts/infra/install.sh), starts the servers on loopback, then runs every test of the solution.
# Results go to TestResults/ as TRX.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/infra/install.sh
scripts/infra/start.sh
# shellcheck source=infra/env.sh
source scripts/infra/env.sh

rm -rf TestResults
dotnet test Inference.sln --logger "trx" --results-directory TestResults "$@"
