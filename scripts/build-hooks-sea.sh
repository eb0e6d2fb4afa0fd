#!/usr/bin/env bash
# Builds hooks/batch-sea: the batch hook executable as a Node single-executable application, so hooks run
# in a chroot without node. Needs dist/ (make build). Steps: esbuild bundles the hooks and the SDK into one
# CommonJS file; node writes the SEA blob; postject injects it into a copy of the node binary.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-hooks/batch-sea}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -f dist/hooks/src/index.js ] && [ -f dist/lib/hook-sdk/batch.js ] || { echo "build-hooks-sea: dist/ is missing, run make build" >&2; exit 1; }

cat > "$WORK/entry.js" <<JS
'use strict';
require('$PWD/dist/lib/hook-sdk/batch.js').main(require('$PWD/dist/hooks/src/index.js').app);
JS

node -e '
  require("esbuild").buildSync({
    entryPoints: [process.argv[1]], bundle: true, platform: "node", target: "node20", format: "cjs",
    outfile: process.argv[2], logLevel: "warning", legalComments: "none",
  });
' "$WORK/entry.js" "$WORK/bundle.js"

cat > "$WORK/sea-config.json" <<JSON
{ "main": "$WORK/bundle.js", "output": "$WORK/sea-prep.blob", "disableExperimentalSEAWarning": true, "useCodeCache": false }
JSON
node --experimental-sea-config "$WORK/sea-config.json" >"$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }

cp "$(command -v node)" "$WORK/batch-sea"
chmod u+w "$WORK/batch-sea"
npx --no-install postject "$WORK/batch-sea" NODE_SEA_BLOB "$WORK/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >"$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
mv "$WORK/batch-sea" "$OUT"
chmod +x "$OUT"
echo "build-hooks-sea: wrote $OUT ($(du -h "$OUT" | cut -f1)), $("$OUT" hook list | head -1)"
