#!/bin/sh
# Exits non-zero, naming each file, if any C++ file in native/ differs from what clang-format makes
# of it with the repository's .clang-format. Needs clang-format (Debian: apt-get install clang-format).
# To fix: clang-format -i native/*.cc native/*.h
set -u
cd "$(dirname "$0")/.." || exit 2
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-native-format: clang-format is not installed (Debian: apt-get install clang-format)" >&2
  exit 2
fi
status=0
for f in native/*.cc native/*.h; do
  [ -e "$f" ] || continue
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    echo "check-native-format: $f is not clang-formatted (run: clang-format -i $f)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "check-native-format: native/ is clang-formatted"
exit "$status"
