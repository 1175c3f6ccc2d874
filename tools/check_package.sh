#!/usr/bin/env bash
# Check the frozen app in dist/poetpad/ the way a user meets it: --version and CLI generations (which
# must print nothing on stderr), a bad argument, and --smoke-test (window offscreen, bundled model,
# continuation, acrostic, training).
# Prints the bundle size and the smoke test's JSON; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=dist/poetpad/poetpad
[ -x "$APP" ] || { echo "check_package: $APP is missing; run make package first" >&2; exit 1; }
export QT_QPA_PLATFORM=offscreen
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
export POETPAD_DATA_DIR="$DATA"

# A normal run prints nothing on stderr: no warnings (torch's, Qt's, Python's), no log lines.
quiet() {  # quiet NAME: fail when $DATA/NAME.err is not empty
  if [ -s "$DATA/$1.err" ]; then
    echo "check_package: '$1' wrote $(wc -l < "$DATA/$1.err") line(s) on stderr:" >&2
    head -n 5 "$DATA/$1.err" >&2
    exit 1
  fi
}

echo "bundle: $(du -sm dist/poetpad | cut -f1) MB"
version=$("$APP" --version 2> "$DATA/version.err")
quiet version
[[ "$version" == "poetpad $(sed -n 's/__version__ = "\(.*\)"/\1/p' poetpad/__init__.py)" ]] \
  || { echo "check_package: --version printed '$version'" >&2; exit 1; }
echo "version: $version"

"$APP" generate --acrostic 春夏秋冬 --form 7x4 --beam 4 --json > "$DATA/acrostic.json" 2> "$DATA/acrostic.err" \
  || { cat "$DATA/acrostic.err" >&2; exit 1; }
quiet acrostic
"$APP" generate --prefix "Shall I compare thee" --mode line -n 2 > "$DATA/english.out" 2> "$DATA/english.err" \
  || { cat "$DATA/english.err" >&2; exit 1; }
quiet english
[ -s "$DATA/english.out" ] || { echo "check_package: an English generation printed nothing" >&2; exit 1; }
echo "stderr: nothing from --version and generate"
python3 - "$DATA/acrostic.json" <<'PY'
import json, sys
poem = json.load(open(sys.argv[1], encoding="utf-8"))[0]
assert poem["valid"] and [l[0] for l in poem["lines"]] == list("春夏秋冬"), poem
print("acrostic:", poem["text"].replace("\n", " "), "| model:", poem["model"])
PY

set +e
"$APP" generate --beam -3 > "$DATA/bad.out" 2> "$DATA/bad.err"
rc=$?
set -e
[ "$rc" -eq 2 ] && [ "$(wc -l < "$DATA/bad.err")" -eq 1 ] && grep -q "^poetpad: error: " "$DATA/bad.err" \
  || { echo "check_package: a bad argument gave rc=$rc: $(cat "$DATA/bad.err")" >&2; exit 1; }
echo "bad argument: $(cat "$DATA/bad.err")"

started=$(date +%s.%N)
"$APP" --smoke-test
echo "smoke test: $(python3 -c "import time; print(round(time.time() - $started, 2))") s wall"
