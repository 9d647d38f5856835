#!/usr/bin/env bash
# Vendor the browser libraries the web pages use, from the npm registry, into
# src/ltsplan/web/static/vendor/ (committed: nothing is fetched from a CDN at run time).
# Run again to update; versions are pinned here.
set -euo pipefail

PACKAGES=(vega@6.4.0 vega-lite@6.5.0 vega-embed@7.3.0)
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$HERE/src/ltsplan/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
cd "$WORK"
for spec in "${PACKAGES[@]}"; do
  name="${spec%@*}"
  tarball="$(npm pack --silent "$spec")"
  mkdir -p "$name"
  tar -xzf "$tarball" -C "$name" --strip-components=1
  version="$(node -p "require('./$name/package.json').version")"
  cp "$name/build/$name.min.js" "$DEST/$name.min.js"
  cp "$name/LICENSE" "$DEST/$name.LICENSE"
  echo "$name $version" >>"$WORK/versions"
done
sort "$WORK/versions" >"$DEST/VERSIONS"
echo "vendored into $DEST:"
cat "$DEST/VERSIONS"
