#!/usr/bin/env bash
# Prints the bin folder of a Node.js 22.13 or later (the Lambda runs nodejs22.x; the CLI's local store
# needs node:sqlite, unflagged since 22.13): the machine's own Node when it is 22.13 or later,
# otherwise Node.js $TRAILWATCH_NODE22 (default below) from the npm registry's node-linux-<arch>
# package, unpacked once into a cache folder outside the repository
# (${XDG_CACHE_HOME:-~/.cache}/trailwatch/node-v<version>-linux-<arch>) and reused after that.
#
#   PATH="$(scripts/node22.sh):$PATH" npm test
set -euo pipefail

version="${TRAILWATCH_NODE22:-22.23.5}"

own="$(command -v node || true)"
if [[ -n "$own" ]] && (($("$own" -p 'const [a, b] = process.versions.node.split(".").map(Number); a * 1000 + b') >= 22013)); then
  dirname "$(readlink -f "$own")"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node22.sh: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

cache="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/trailwatch"
dir="$cache/node-v$version-linux-$arch"
if [[ "$("$dir/bin/node" --version 2>/dev/null || true)" != "v$version" ]]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.node-download.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "node22.sh: fetching node-linux-$arch@$version from the npm registry into $dir" >&2
  # npm pack checks the tarball against the registry's integrity hash; the package has no scripts.
  (cd "$tmp" && npm pack --loglevel=error "node-linux-$arch@$version" >/dev/null)
  tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$tmp"
  [[ "$("$tmp/package/bin/node" --version)" == "v$version" ]]
  rm -rf "$dir"
  # Another run may have unpacked the same version meanwhile: either copy will do.
  mv -T "$tmp/package" "$dir" 2>/dev/null || true
  [[ "$("$dir/bin/node" --version)" == "v$version" ]]
fi
echo "$dir/bin"
