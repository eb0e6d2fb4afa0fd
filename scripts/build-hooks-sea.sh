#!/usr/bin/env bash
# Builds hooks/batch-sea: the batch hook executable as a Node single-executable application, so hooks run
# in a chroot without node. Needs dist/ (make build). Steps: esbuild bundles the hooks and the SDK into one
# CommonJS file; node writes the SEA blob; postject injects it into a copy of the node binary.
# NODE_BINARY picks the Node.js to embed (make images uses the images' pinned one); default: node on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-hooks/batch-sea}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -f dist/hooks/src/index.js ] && [ -f dist/lib/hook-sdk/batch.js ] || { echo "build-hooks-sea: dist/ is missing, run make build" >&2; exit 1; }

# Paths inside the executable are relative to the repository, so rebuilding gives the same bytes.
node -e '
  require("esbuild").buildSync({
    stdin: { contents: process.argv[1], resolveDir: process.cwd(), sourcefile: "hooks-batch.js" },
    bundle: true, platform: "node", target: "node20", format: "cjs",
    outfile: process.argv[2], logLevel: "warning", legalComments: "none",
  });
' "'use strict'; require('./dist/lib/hook-sdk/batch.js').main(require('./dist/hooks/src/index.js').app);" "$WORK/bundle.js"

cat > "$WORK/sea-config.json" <<JSON
{ "main": "bundle.js", "output": "sea-prep.blob", "disableExperimentalSEAWarning": true, "useCodeCache": false }
JSON
NODE=${NODE_BINARY:-$(command -v node)}
(cd "$WORK" && "$NODE" --experimental-sea-config sea-config.json) >"$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }

cp "$NODE" "$WORK/batch-sea"
chmod u+w "$WORK/batch-sea"
npx --no-install postject "$WORK/batch-sea" NODE_SEA_BLOB "$WORK/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >"$WORK/log" 2>&1 || { cat "$WORK/log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
mv "$WORK/batch-sea" "$OUT"
chmod +x "$OUT"
echo "build-hooks-sea: wrote $OUT ($(du -h "$OUT" | cut -f1)), $("$OUT" hook list | head -1)"
