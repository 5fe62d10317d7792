#!/bin/sh
# The web build: types from the published OpenAPI document, a type check, then esbuild (no config file).
set -e
cd "$(dirname "$0")"
npx openapi-typescript ../layers/shared/python/insure/openapi.json -o src/api/schema.d.ts 
npx tsc --noEmit
rm -rf dist
npx esbuild src/main.ts --bundle --splitting --format=esm --minify --sourcemap=linked --target=es2022 \
  --outdir=dist --entry-names=app --chunk-names=chunk-[hash] --log-level=warning
cp public/* dist/
sha256sum ../layers/shared/python/insure/openapi.json | cut -d' ' -f1 > dist/openapi.sha256
