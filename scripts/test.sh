#!/usr/bin/env bash
# The test command: installs what the tests need (Redis, RabbitMQ, PostgreSQL, Chromium, Go for the Helm chart's
# renderer: scripts/infra/install.sh), starts the servers on loopback, then runs every test of the solution.
# scripts/test.sh --fast runs the tests that need none of that.
# Results go to TestResults/ as TRX.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# --fast: only the tests that need no server, chart renderer, browser or model evaluation (about a minute), nothing installed
# or started.
filter=()
if [[ "${1:-}" == --fast ]]; then
  shift
  filter=(--filter "TestCategory!=Integration&TestCategory!=Deployment&TestCategory!=Models")
else
  scripts/infra/install.sh
  scripts/infra/start.sh
fi
# shellcheck source=infra/env.sh
source scripts/infra/env.sh

rm -rf TestResults
dotnet test Inference.sln --logger "trx" --results-directory TestResults "${filter[@]}" "$@"
