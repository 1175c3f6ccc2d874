#!/usr/bin/env bash
# Refresh the GUI translations: lupdate collects every tr()/translate()/QT_TRANSLATE_NOOP string
# under poetpad/gui into resources/translations/poetpad_<lang>.ts (for English, only the plural forms) (keeping existing translations,
# dropping strings the code no longer has), then lrelease compiles each .ts into the .qm the app loads.
# Run it from the repository root after changing a user-visible string; translate the new entries
# (by hand or with .venv/bin/pyside6-linguist), then run it again. tests/gui/test_translation.py checks both.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

LANGUAGES=(zh_CN)
# English is the source language, but its plural forms ("%n thread(s)" → "1 thread", "2 threads") come
# from a translation too, as Qt intends: poetpad_en.ts holds only the messages with %n (-pluralonly).
PLURAL_ONLY=(en)
OUT=resources/translations

tool() {  # the venv's copy when there is one, else the one on PATH
    if [[ -x ".venv/bin/$1" ]]; then
        echo ".venv/bin/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        echo "error: $1 not found: create .venv (pip install -e '.[test]') or put PySide6's tools on PATH" >&2
        return 1
    fi
}
lupdate=$(tool pyside6-lupdate)
lrelease=$(tool pyside6-lrelease)

mapfile -t sources < <(find poetpad/gui -name '*.py' | LC_ALL=C sort)
mkdir -p "$OUT"
for lang in "${LANGUAGES[@]}" "${PLURAL_ONLY[@]}"; do
    ts="$OUT/poetpad_$lang.ts"
    only=()
    [[ " ${PLURAL_ONLY[*]} " == *" $lang "* ]] && only=(-pluralonly)
    # relative locations: a line added above a string does not touch every entry below it
    "$lupdate" "${sources[@]}" -target-language "$lang" "${only[@]}" -no-obsolete -locations relative -ts "$ts"
    report=$("$lrelease" "$ts" -qm "$OUT/poetpad_$lang.qm")
    echo "$report"
    if ! grep -q ' 0 unfinished)' <<<"$report" || grep -q 'untranslated' <<<"$report"; then
        echo "note: $ts has untranslated entries: translate them, then run $0 again" >&2
    fi
done
