"""The zh_CN translation: complete, faithful to the source's placeholders, compiled, up to date, and live.

When a check here fails after a change to a user-visible string, run tools/update_translations.sh,
translate the new entries in resources/translations/poetpad_zh_CN.ts, and run the script again.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from poetpad.gui.app import create_window, install_language
from poetpad.gui.settings import Settings

REPO = Path(__file__).resolve().parents[2]
GUI = REPO / "poetpad" / "gui"
TS = REPO / "resources" / "translations" / "poetpad_zh_CN.ts"
QM = TS.with_suffix(".qm")
FIX = "run tools/update_translations.sh, translate the new entries in the .ts, then run it again"
CONTEXTS = {"MainWindow", "VersePanel", "ModelManagerDialog", "ModelDetails", "TrainingDialog", "CorpusPanel",
            "OptionsPanel", "BaseChooser", "RunsRow", "ProgressPanel", "Export"}

CJK = re.compile(r"[\u3400-\u9fff]")
FIELD = re.compile(r"\{[^{}]*\}")               # str.format fields, spec included: {step:,} {loss:.3f}
QT_ARG = re.compile(r"%(?:n|L?\d+)")           # Qt's own placeholders: %n, %1, %L1
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")        # HTML tags, attributes included
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+);")

# Literal tr() strings lupdate does not see, so they reach the user untranslated. Keep this list
# honest: the check fails both for a new blind spot and for one that has been fixed.
LUPDATE_BLIND: set[tuple[str, str]] = set()  # self.tr('…') inside an f-string: lupdate's parser skips those
# Calls that pass a variable to translate() on purpose: the strings are marked with QT_TRANSLATE_NOOP.
DYNAMIC_OK = {("export.py", "_tr")}


@dataclass
class Message:
    context: str
    source: str
    translations: list[str]   # one per plural form; one for an ordinary message
    unfinished: bool
    numerus: bool


def read_ts(path: Path) -> list[Message]:
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name")
        for m in context.iter("message"):
            tr = m.find("translation")
            forms = tr.findall("numerusform") if tr is not None else []
            texts = [f.text or "" for f in forms] if forms else [(tr.text or "") if tr is not None else ""]
            messages.append(Message(name, m.findtext("source") or "", texts,
                                    tr is None or tr.get("type") in ("unfinished", "obsolete", "vanished"),
                                    m.get("numerus") == "yes"))
    return messages


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    assert TS.is_file(), f"{TS} is missing: {FIX}"
    found = read_ts(TS)
    assert found, f"{TS} has no messages"
    return found


def tool(name: str) -> str:
    """A Qt tool from the repo's venv, the running interpreter's venv, or PATH; fails clearly if none."""
    for candidate in (REPO / ".venv" / "bin" / name, Path(sys.executable).parent / name):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found (it comes with PySide6: pip install -e '.[test]' into .venv)")
    return found


def gui_sources() -> list[Path]:
    return sorted(GUI.rglob("*.py"))


def mnemonics(text: str) -> list[str]:
    """The letters marked with & (&& is a literal ampersand; HTML entities are not mnemonics)."""
    text = ENTITY.sub("", text.replace("&&", ""))
    return [text[i + 1] for i, ch in enumerate(text) if ch == "&" and i + 1 < len(text)]


# -- the .ts ---------------------------------------------------------------------------------------

def test_the_ts_is_for_zh_cn_and_covers_every_gui_context(messages):
    assert ET.parse(TS).getroot().get("language") == "zh_CN"
    assert CONTEXTS <= {m.context for m in messages}


def test_every_message_has_a_finished_translation(messages):
    bad = [f"{m.context}: {m.source!r}" for m in messages
           if m.unfinished or not all(t.strip() for t in m.translations)]
    assert not bad, f"{len(bad)} untranslated or unfinished message(s) ({FIX}):\n" + "\n".join(bad)


def test_plural_messages_have_the_one_chinese_form(messages):
    plural = [m for m in messages if m.numerus]
    bad = [f"{m.context}: {m.source!r} has {len(m.translations)} forms" for m in plural if len(m.translations) != 1]
    assert not bad, "\n".join(bad)
    assert all("%n" in t for m in plural for t in m.translations)


def test_english_has_its_two_plural_forms_for_every_plural_message(messages, tmp_path):
    """English is the source language, but "%n thread(s)" needs a translation to read "1 thread" and
    "2 threads": poetpad_en.ts holds the plural messages only (lupdate -pluralonly), each with both forms."""
    english = TS.with_name("poetpad_en.ts")
    assert english.is_file(), f"{english} is missing: {FIX}"
    found = read_ts(english)
    assert {(m.context, m.source) for m in found} == {(m.context, m.source) for m in messages if m.numerus}, FIX
    bad = [f"{m.context}: {m.source!r}" for m in found
           if m.unfinished or len(m.translations) != 2 or not all("%n" in t for t in m.translations)]
    assert not bad, f"untranslated English plural forms ({FIX}):\n" + "\n".join(bad)
    out = tmp_path / "en.qm"
    run = subprocess.run([tool("pyside6-lrelease"), str(english), "-qm", str(out)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and out.read_bytes() == english.with_suffix(".qm").read_bytes(), FIX


def test_translations_keep_placeholders_tags_and_shortcuts(messages):
    bad = []
    for m in messages:
        for text in m.translations:
            where = f"{m.context}: {m.source!r} → {text!r}"
            for what, pattern in (("format fields", FIELD), ("Qt arguments", QT_ARG), ("HTML tags", TAG)):
                want, got = Counter(pattern.findall(m.source)), Counter(pattern.findall(text))
                if want != got:
                    bad.append(f"{where}: {what} {sorted(want.elements())} ≠ {sorted(got.elements())}")
            if "\t" in m.source and text.partition("\t")[1:] != m.source.partition("\t")[1:]:
                bad.append(f"{where}: the shortcut after the tab differs")
    assert not bad, "\n".join(bad)


def test_mnemonics_follow_the_chinese_convention(messages):
    """One & where the source has one, written as 文件(&F) with the source's letter; none where it has none."""
    bad = []
    for m in messages:
        for text in m.translations:
            want, got = mnemonics(m.source), mnemonics(text)
            where = f"{m.context}: {m.source!r} → {text!r}"
            if len(got) != len(want):
                bad.append(f"{where}: {len(got)} mnemonic(s), the source has {len(want)}")
            elif want and CJK.search(text) and f"(&{want[0].upper()})" not in text:
                bad.append(f"{where}: write the mnemonic as (&{want[0].upper()})")
    assert not bad, "\n".join(bad)


def test_chinese_strings_are_translated_into_chinese(messages):
    """A translation equal to an English source is fine only for names and symbols (PDF, Top-k, PoetPad …)."""
    def wordy(text: str) -> bool:
        return re.search(r"[a-z]{3}", re.sub(r"\(\*[^)]*\)", "", FIELD.sub("", text))) is not None

    same = {m.source for m in messages if m.translations[0] == m.source and wordy(m.source)}
    allowed = {"Markdown (*.md)", "Markdown…", "OpenDocument (ODT)…", "PoetPad"}
    assert same <= allowed, f"left in English: {sorted(same - allowed)}"


# -- the compiled .qm and the sources ---------------------------------------------------------------

def test_the_qm_is_compiled_from_the_ts(tmp_path):
    assert QM.is_file(), f"{QM} is missing: {FIX}"
    out = tmp_path / "check.qm"
    run = subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(out)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 unfinished" in run.stdout, run.stdout
    if out.read_bytes() != QM.read_bytes():
        pytest.fail(f"{QM.name} is not what {TS.name} compiles to: {FIX}")


@pytest.fixture(scope="module")
def lupdate_finds(tmp_path_factory) -> set[tuple[str, str]]:
    """(context, source) of every string lupdate collects from the GUI sources today (about a second)."""
    fresh = tmp_path_factory.mktemp("lupdate") / "fresh.ts"
    run = subprocess.run([tool("pyside6-lupdate"), *map(str, gui_sources()), "-target-language", "zh_CN",
                          "-locations", "none", "-silent", "-ts", str(fresh)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return {(m.context, m.source) for m in read_ts(fresh)}


def test_the_ts_has_every_string_of_the_gui_and_no_other(lupdate_finds, messages):
    committed = {(m.context, m.source) for m in messages}
    new, gone = sorted(lupdate_finds - committed), sorted(committed - lupdate_finds)
    assert not new and not gone, (f"the .ts is out of date ({FIX}).\nnew in the code: {new}\n"
                                  f"no longer in the code: {gone}")


def _literal_tr_calls() -> tuple[set[tuple[str, str]], list[str]]:
    """(context, text) of every tr()/translate()/QT_TRANSLATE_NOOP with literal text, and the calls without."""
    found, dynamic = set(), []

    def visit(node: ast.AST, path: Path, cls: str | None, func: str | None) -> None:
        if isinstance(node, ast.ClassDef):
            cls = node.name
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            func = node.name
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            args = None
            if name == "tr" and isinstance(f, ast.Attribute) and cls:
                args = [ast.Constant(cls), *node.args[:1]]
            elif name == "QT_TRANSLATE_NOOP" or (
                    name == "translate" and isinstance(f, ast.Attribute)
                    and ast.unparse(f.value) in ("QCoreApplication", "QApplication", "QGuiApplication")):
                args = node.args[:2]
            if args is not None:
                if len(args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                    found.add((args[0].value, args[1].value))
                elif (path.name, func) not in DYNAMIC_OK:
                    dynamic.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
        for child in ast.iter_child_nodes(node):
            visit(child, path, cls, func)

    for path in gui_sources():
        visit(ast.parse(path.read_text(encoding="utf-8")), path, None, None)
    return found, dynamic


def test_lupdate_sees_every_translatable_string(lupdate_finds):
    """Strings lupdate cannot see stay English in every language: they must be literal and outside f-strings."""
    in_code, dynamic = _literal_tr_calls()
    assert not dynamic, "translate only literal text (lupdate cannot read a variable):\n" + "\n".join(dynamic)
    blind = in_code - lupdate_finds
    assert blind - LUPDATE_BLIND == set(), f"lupdate misses these (move them out of f-strings): {blind - LUPDATE_BLIND}"
    assert LUPDATE_BLIND - blind == set(), f"fixed, now remove them from LUPDATE_BLIND: {LUPDATE_BLIND - blind}"


# -- at run time ------------------------------------------------------------------------------------

@pytest.fixture
def english_after(qapp):
    yield
    install_language(qapp, "en")


def test_switching_language_at_run_time_retranslates_the_window(qapp, qtbot, english_after):
    from poetpad.gui import export

    win = create_window(qapp, Settings(language="en"))
    win.ask.unsaved = lambda _name: "discard"
    qtbot.addWidget(win)
    english = (win.menus.file_menu.title(), win.panel.generate.text(), win.panel.mode.itemText(0))
    assert not any(CJK.search(text) for text in english)

    assert install_language(qapp, "zh_CN") == "zh_CN"
    assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)", f"{QM} did not load"
    qtbot.waitUntil(lambda: CJK.search(win.menus.file_menu.title()) is not None, timeout=5000)
    chinese = (win.menus.file_menu.title(), win.panel.generate.text(), win.panel.mode.itemText(0))
    assert chinese[0] == "文件(&F)"
    assert chinese[2] == "续写本句"
    for zh, en in zip(chinese, english, strict=True):
        assert CJK.search(zh) and zh != en
    assert CJK.search(export.FORMATS["png"])
    assert CJK.search(QCoreApplication.translate("Export", "There is nothing to export: the poem is empty."))

    assert install_language(qapp, "en") == "en"
    qtbot.waitUntil(lambda: win.menus.file_menu.title() == english[0], timeout=5000)
    assert (win.menus.file_menu.title(), win.panel.generate.text(), win.panel.mode.itemText(0)) == english
    assert export.FORMATS["png"] == "Poem card image (*.png)"
