#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy, at the version pinned in this folder's
# go.mod (go.sum fixes every dependency), into tools/pulumi-engine/bin/ (ignored by git),
# copies the Python host's exec script beside it, and prints `pulumi version`. Cold (empty
# Go caches) it downloads and compiles everything; warm it relinks from Go's build cache.
# README: "Running the real Pulumi engine offline".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! command -v go >/dev/null; then
    if [ -x /usr/local/go/bin/go ]; then
        PATH="/usr/local/go/bin:$PATH"
    else
        echo "go is not on PATH: the engine builds with Go 1.26.6 or newer (go.mod)" >&2
        exit 1
    fi
fi

# The CLI's version, read from go.mod so that the pin lives in one place.
version="$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)"
out="$here/bin"
mkdir -p "$out"

# The flags of Pulumi's release builds: no cgo, the os/user and grpc-trace tags, and the
# version stamped into the binary (`pulumi version` prints it; plugins compare against it).
# -mod=readonly: a go.sum that does not cover the build fails instead of being rewritten.
echo "building pulumi ${version} (GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE))"
start=$SECONDS
CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${version}" \
    -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
echo "built $out/pulumi in $((SECONDS - start))s"

# The Python host's exec script ships in the sdk/v3 module at the same version: it is what
# runs a Python program (chdir to the engine's pwd, root directory, runpy). The host
# itself (module sdk/python/cmd/pulumi-language-python/v3) is not served by the proxy;
# tests_engine/standin/langhost.py stands in for it and runs this script.
sdk_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$out/"
"$out/pulumi" version
