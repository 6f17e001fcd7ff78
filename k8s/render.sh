#!/usr/bin/env bash
# Renders the Helm chart k8s/inference to one multi-document YAML on stdout, like `helm template`, without Helm:
#   k8s/render.sh [values.yaml ...] [-- renderer flags: -name, -namespace, -strict, -notes, -show-values, ...]
# Each values file is laid over the chart's values.yaml in order (later wins), and the result is checked against
# values.schema.json first, as Helm does. Builds k8s/tools/render with Debian's Go offline (scripts/infra/install.sh
# installs it and the libraries); the binary is cached under k8s/tools/render/.build and rebuilt when main.go changes.
set -euo pipefail
k8s=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tool="$k8s/tools/render"
build="$tool/.build"
gocode=/usr/share/gocode

command -v go >/dev/null || { echo "render.sh: go is not installed (run scripts/infra/install.sh)" >&2; exit 127; }
for lib in github.com/Masterminds/sprig sigs.k8s.io/yaml github.com/xeipuuv/gojsonschema; do
  [[ -d "$gocode/src/$lib" ]] || { echo "render.sh: $gocode/src/$lib is missing (run scripts/infra/install.sh)" >&2; exit 127; }
done

binary="$build/render-$(sha256sum "$tool/main.go" | cut -c1-16)"
if [[ ! -x "$binary" ]]; then
  # Debian packages sprig and semver without their /v3 module suffix; GOPATH mode finds them through these links.
  mkdir -p "$build/gopath/src/github.com/Masterminds/sprig" "$build/gopath/src/github.com/Masterminds/semver"
  ln -sfn "$gocode/src/github.com/Masterminds/sprig" "$build/gopath/src/github.com/Masterminds/sprig/v3"
  ln -sfn "$gocode/src/github.com/Masterminds/semver" "$build/gopath/src/github.com/Masterminds/semver/v3"
  rm -f "$build"/render-*
  (cd "$tool" && GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$build/gopath:$gocode" \
    GOCACHE="${GOCACHE:-$build/cache}" go build -o "$binary.$$" . && mv "$binary.$$" "$binary")
fi

values=()
while (($#)) && [[ "$1" != "--" ]]; do values+=(-f "$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
exec "$binary" -chart "$k8s/inference" "${values[@]}" "$@"
