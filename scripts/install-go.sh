#!/usr/bin/env bash
# Installs Debian's Go and the Go libraries the Helm chart's stand-in renderer (k8s/tools/render) builds on,
# offline from /usr/share/gocode: sprig (the template functions Helm uses), sigs.k8s.io/yaml and gojsonschema (the
# values.schema.json validator of Helm 3). Needs root if missing.
set -euo pipefail

packages=(golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "already installed: ${packages[*]}"
  exit 0
fi
((EUID == 0)) || { echo "install-go.sh must run as root to install: ${missing[*]}" >&2; exit 1; }

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
