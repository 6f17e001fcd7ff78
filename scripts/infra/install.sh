#!/usr/bin/env bash
# Installs what the tests need from Debian if missing (needs root): Redis, RabbitMQ and PostgreSQL; Chromium, which
# the Gateway's dashboard tests drive headless (Playwright never downloads a browser here); Go with the libraries the
# Helm chart's stand-in renderer builds on offline from /usr/share/gocode (sprig, the template functions Helm uses;
# sigs.k8s.io/yaml; gojsonschema, Helm 3's values.schema.json validator); Python's pika, which the publisher sample in
# samples/ uses and a test runs against the broker.
# Prometheus 2.42 with promtool: the alert rules' unit tests, and a private Prometheus scraping the services on loopback.
# Never starts the system-wide services: start.sh runs private instances instead.
set -euo pipefail

packages=(redis-server rabbitmq-server postgresql curl chromium prometheus
  golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev
  python3-pika)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "already installed: ${packages[*]}"
  exit 0
fi
((EUID == 0)) || { echo "install.sh must run as root to install: ${missing[*]}" >&2; exit 1; }

# Without systemd, post-install scripts start the services through invoke-rc.d unless
# policy-rc.d forbids it (exit 101); they would hold ports 5432/5672/6379 and epmd for nothing.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
