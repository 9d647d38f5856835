#!/usr/bin/env bash
# Vendor vega-interpreter (Vega's CSP-compliant expression interpreter) from the npm registry into
# src/ltsplan/web/static/vendor/, wrapped as a classic script: the pages' Content-Security-Policy
# forbids the Function(...) Vega compiles expressions with, and the package ships only as an ES
# module importing three names from vega-util. The wrapper takes those names from the UMD `vega`
# global (vega.min.js, loaded first; vega re-exports vega-util) and sets `window.vegaInterpreter`.
# Run after scripts/vendor_js.sh (which rewrites VERSIONS); the version is pinned here.
set -euo pipefail

SPEC=vega-interpreter@2.3.2
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$HERE/src/ltsplan/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
tarball="$(npm pack --silent "$SPEC")"
mkdir package
tar -xzf "$tarball" -C package --strip-components=1
version="$(node -p "require('./package/package.json').version")"
source=package/build/vega-interpreter.js
import_line="import { ascending, isString, DisallowedObjectProperties } from 'vega-util';"
export_line="export { expression as expressionInterpreter };"
# The wrapper depends on exactly these two lines; fail loudly if a new version changes them. The
# source-map comment goes too: the map is not vendored, and a browser would ask for it.
grep -qxF "$import_line" "$source"
grep -qxF "$export_line" "$source"
{
  echo "// vega-interpreter $version (BSD-3-Clause, vega-interpreter.LICENSE), wrapped by"
  echo "// scripts/vendor_interpreter.sh as a classic script: vega-util's names come from window.vega."
  echo "(function (vega) {"
  echo "\"use strict\";"
  echo "var ascending = vega.ascending, isString = vega.isString,"
  echo "  DisallowedObjectProperties = vega.DisallowedObjectProperties;"
  grep -vxF -e "$import_line" -e "$export_line" "$source" | grep -v "^//# sourceMappingURL="
  echo "window.vegaInterpreter = { expressionInterpreter: expression };"
  echo "})(window.vega);"
} >"$DEST/vega-interpreter.js"
cp package/LICENSE "$DEST/vega-interpreter.LICENSE"
grep -v '^vega-interpreter ' "$DEST/VERSIONS" >"$WORK/versions" || true
echo "vega-interpreter $version (wrapped as a classic script by scripts/vendor_interpreter.sh: its ES-module import of ascending, isString and DisallowedObjectProperties from vega-util replaced by the same names from the UMD window.vega, its export by window.vegaInterpreter)" >>"$WORK/versions"
sort "$WORK/versions" >"$DEST/VERSIONS"
echo "vendored $SPEC into $DEST"
