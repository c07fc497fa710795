#!/usr/bin/env bash
# Compile only the given TypeScript files (and what they import) into dist/, with the project's
# compiler options. Useful while other files of the tree are mid-edit.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -p . .tsconfig-only-XXXXXX.json)
trap 'rm -f "$tmp"' EXIT
files=$(printf '"%s",' "$@"); files="[${files%,}]"
printf '{"extends":"./tsconfig.json","include":[],"files":%s}\n' "$files" > "$tmp"
npx tsc -p "$tmp"
