"""Exports: every format written and read back, the poem card's layouts, and the errors a user sees."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

import numpy as np
import pytest

from poetpad.errors import PoetPadError
from poetpad.gui import export as ex

ZH = "床前明月光，\n疑是地上霜。\n\n举头望明月，\n低头思故乡。"
EN = "Shall I compare thee to a summer's day?\nThou art <b>& more lovely\n\nRough winds do shake the buds of May,"
EMPTY_MESSAGE = "There is nothing to export: the poem is empty."


def _one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and len(message) < 300


def _pixels(image) -> np.ndarray:
    """The image as an (h, w, 3) uint8 array."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(bytes(image.constBits()), np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, : image.width() * 3].reshape(image.height(), image.width(), 3)


def _ink(image) -> np.ndarray:
    """True where a pixel of the card's inside (border and footer cut off) differs clearly from the paper."""
    px = _pixels(image).astype(int)
    w, h = image.width(), image.height()
    paper = px[2, 2]  # outside the border: plain paper
    inside = px[int(w * 0.06):h - int(w * 0.09), int(w * 0.06):w - int(w * 0.06)]
    return np.abs(inside - paper).sum(axis=2) > 60


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True values."""
    runs, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _leftovers(folder, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# ---------------------------------------------------------------- formats and paths


def test_formats_and_filters():
    assert list(ex.FORMATS) == ["txt", "md", "html", "odt", "pdf", "png"]
    assert ex.FORMATS["png"].endswith("(*.png)")
    assert ex.file_filter().split(";;") == list(ex.FORMATS.values())


@pytest.mark.parametrize(("name", "fmt"), [("a.txt", "txt"), ("b.MD", "md"), ("c.markdown", "md"), ("d.htm", "html"),
                                           ("e.html", "html"), ("f.odt", "odt"), ("g.Pdf", "pdf"), ("h.png", "png")])
def test_format_for_path(name, fmt):
    assert ex.format_for_path(name) == fmt


@pytest.mark.parametrize("name", ["poem.docx", "poem", "poem.txt.bak"])
def test_unknown_suffix_is_refused(tmp_path, name):
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, tmp_path / name)
    assert _one_sentence(str(info.value))
    assert ".txt" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_name_is_refused(tmp_path):
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, tmp_path / "poem.txt", fmt="docx")
    assert _one_sentence(str(info.value)) and "docx" in str(info.value)


def test_format_without_suffix_adds_it(tmp_path):
    written = ex.export(ZH, tmp_path / "poem", fmt="md")
    assert written == tmp_path / "poem.md"
    assert written.read_text(encoding="utf-8").startswith("床前明月光，")


# ---------------------------------------------------------------- text formats


@pytest.mark.parametrize("text", [ZH, ZH + "\n", EN, "  indented\n\n\nthree blank lines\n"])
def test_txt_round_trip(tmp_path, text):
    path = ex.export(text, tmp_path / "poem.txt")
    expected = text if text.endswith("\n") else text + "\n"
    assert path.read_bytes() == expected.encode("utf-8")


def test_txt_puts_title_and_author_first(tmp_path):
    path = ex.export(ZH, tmp_path / "poem.txt", options=ex.ExportOptions(title="静夜思", author="李白"))
    assert path.read_text(encoding="utf-8") == "静夜思\n李白\n\n" + ZH + "\n"


def test_markdown_escapes_and_keeps_line_breaks():
    text = "# not a heading\n1. not a list\nThou art <b>& *more* lovely\n\n- second stanza\n  indented"
    md = ex.to_markdown(text, ex.ExportOptions(title="Sonnet <b>&", author="W_S"))
    blocks = md.rstrip("\n").split("\n\n")
    assert blocks[0] == r"# Sonnet \<b\>\&"
    assert blocks[1] == r"*W\_S*"
    first, second = blocks[2].split("\n"), blocks[3].split("\n")
    assert len(first) == 3 and len(second) == 2
    # Every line but a stanza's last ends with a hard break; the last does not.
    assert all(line.endswith("  ") for line in first[:-1] + second[:-1])
    assert not first[-1].endswith(" ") and not second[-1].endswith(" ")
    assert first[0].startswith(r"\#") and first[1].startswith(r"1\.")
    assert r"\<b\>\& \*more\*" in first[2] and "<b>" not in md
    assert second[0].startswith(r"\-") and second[1] == "&nbsp;&nbsp;indented"


def test_markdown_of_chinese_has_one_paragraph_per_stanza():
    md = ex.to_markdown(ZH, ex.ExportOptions(title="静夜思"))
    assert md == "# 静夜思\n\n床前明月光，  \n疑是地上霜。\n\n举头望明月，  \n低头思故乡。\n"


class _Collect(HTMLParser):
    """Tags, text per element, and the number of <br> in each <p>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.text, self.paragraphs = [], [], {}, []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self.paragraphs[-1].append("")
            return
        if tag in ("meta",):
            return
        self.stack.append(tag)
        if tag == "p":
            self.paragraphs.append([""])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text[self.stack[-1]] = self.text.get(self.stack[-1], "") + data
            if self.stack[-1] == "p":
                self.paragraphs[-1][-1] += data.strip("\n")


def test_html_is_a_standalone_escaped_document():
    doc = ex.to_html(EN, ex.ExportOptions(title="Sonnet <b>&", author="W. S."))
    assert doc.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    parser = _Collect()
    parser.feed(doc)
    names = [tag for tag, _ in parser.tags]
    assert set(names) <= {"html", "head", "meta", "title", "style", "body", "article", "h1", "p", "br"}
    assert ("meta", {"charset": "utf-8"}) in parser.tags
    assert parser.text["title"] == parser.text["h1"] == "Sonnet <b>&"
    assert "&lt;b&gt;&amp;" in doc and "<b>" not in doc
    assert "font-family:" in parser.text["style"] and "text-align: left" in parser.text["style"]
    # The author, then one <p> per stanza with the lines between its <br>s.
    assert parser.paragraphs == [["W. S."], EN.split("\n\n")[0].split("\n"), EN.split("\n\n")[1].split("\n")]


def test_html_centres_chinese_and_keeps_indentation():
    doc = ex.to_html("  床前明月光，\n疑是地上霜。", ex.ExportOptions())
    assert '<html lang="zh">' in doc and "text-align: center" in doc
    assert "<title>床前明月光，</title>" in doc and "<h1>" not in doc
    assert "<p>&nbsp;&nbsp;床前明月光，<br>\n疑是地上霜。</p>" in doc


# ---------------------------------------------------------------- Qt formats


def test_odt_is_an_opendocument_with_the_lines(qapp, tmp_path):
    path = ex.export(EN, tmp_path / "poem.odt", options=ex.ExportOptions(title="Sonnet <b>&"))
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist()[0] == "mimetype"
        assert zf.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        root = ET.fromstring(zf.read("content.xml"))
    ns = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    paragraphs = ["".join(p.itertext()) for p in root.iter(ns + "p")]
    lines = [line for line in EN.split("\n") if line]
    assert paragraphs[0] == "Sonnet <b>&"
    assert [p for p in paragraphs[1:] if p] == lines


def test_pdf_has_one_page_for_a_quatrain_and_more_for_a_long_poem(qapp, tmp_path):
    short = ex.export(ZH, tmp_path / "short.pdf", options=ex.ExportOptions(title="静夜思")).read_bytes()
    assert short.startswith(b"%PDF-") and short.rstrip().endswith(b"%%EOF")
    assert len(short) > 2000
    assert len(re.findall(rb"/Type\s*/Page\b", short)) == 1
    long_poem = "\n".join(f"第{i}行，春风又绿江南岸。" for i in range(80))
    long = ex.export(long_poem, tmp_path / "long.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", long))
    assert pages >= 2
    assert re.search(rb"/Count\s+%d\b" % pages, long)


def test_png_card_has_the_width_and_text(qapp, tmp_path):
    from PySide6.QtGui import QImage

    for text in (ZH, EN):
        path = ex.export(text, tmp_path / "card.png", options=ex.ExportOptions(title="Title", card_width=600))
        image = QImage(str(path))
        assert not image.isNull()
        assert image.width() == 600 and image.height() >= 300
        ink = _ink(image)
        assert ink.mean() > 0.01  # text was drawn (glyphs, not nothing)
        assert ink.mean() < 0.5  # and the card is mostly paper


def test_longer_poem_gives_a_taller_card(qapp):
    options = ex.ExportOptions(card_width=500)
    short = ex.render_card(ZH, options)
    long = ex.render_card(ZH + "\n\n" + ZH + "\n\n" + ZH, options)
    assert long.width() == short.width() == 500
    assert long.height() > short.height()


def test_vertical_card_puts_columns_right_to_left(qapp):
    # Four cells in the first line, one in the second: the rightmost column must be the tall one.
    image = ex.render_card("田田田田\n田", ex.ExportOptions(vertical=True, card_width=600))
    ink = _ink(image)
    columns = _runs(ink.any(axis=0))
    assert len(columns) == 2
    (left_start, left_end), (right_start, right_end) = columns

    def extent(start, end):
        rows = np.flatnonzero(ink[:, start:end].any(axis=1))
        return rows[-1] - rows[0]

    assert extent(right_start, right_end) > 2.5 * extent(left_start, left_end)
    # The horizontal layout of the same poem has its ink in two rows instead.
    flat = _ink(ex.render_card("田田田田\n田", ex.ExportOptions(card_width=600)))
    assert len(_runs(flat.any(axis=1))) == 2


def test_vertical_card_differs_and_drops_punctuation(qapp):
    options = ex.ExportOptions(title="静夜思", author="李白", vertical=True, card_width=600)
    vertical = ex.render_card(ZH, options)
    horizontal = ex.render_card(ZH, ex.ExportOptions(title="静夜思", author="李白", card_width=600))
    assert vertical.width() == 600 and _ink(vertical).mean() > 0.01
    assert vertical != horizontal
    assert ex.render_card(ZH.replace("，", "").replace("。", ""), options) == vertical


def test_vertical_is_ignored_for_english(qapp):
    options = ex.ExportOptions(card_width=500)
    assert ex.render_card(EN, options) == ex.render_card(EN, ex.ExportOptions(vertical=True, card_width=500))


def test_card_width_out_of_range(qapp):
    with pytest.raises(PoetPadError) as info:
        ex.render_card(ZH, ex.ExportOptions(card_width=10))
    assert _one_sentence(str(info.value))


def test_cjk_font_family_is_installed_or_the_default(qapp):
    from PySide6.QtGui import QFontDatabase, QGuiApplication

    family = ex.cjk_font_family()
    assert family and (family in QFontDatabase.families() or family == QGuiApplication.font().family())


# ---------------------------------------------------------------- writing and errors


@pytest.mark.parametrize("fmt", list(ex.FORMATS))
def test_existing_file_is_replaced_and_nothing_left_behind(qapp, tmp_path, fmt):
    path = tmp_path / f"poem.{fmt}"
    path.write_bytes(b"old contents")
    assert ex.export(ZH, path) == path
    assert path.read_bytes() != b"old contents" and path.stat().st_size > 20
    assert _leftovers(tmp_path, {path.name}) == []


@pytest.mark.parametrize("text", ["", "   \n\t\n  "])
def test_empty_poem_is_refused(qapp, tmp_path, text):
    for fmt in ex.FORMATS:
        with pytest.raises(PoetPadError) as info:
            ex.export(text, tmp_path / f"poem.{fmt}")
        assert str(info.value) == EMPTY_MESSAGE
    with pytest.raises(PoetPadError):
        ex.render_card(text)
    with pytest.raises(PoetPadError):
        ex.to_html(text)
    assert list(tmp_path.iterdir()) == []


def test_vertical_card_of_punctuation_only_is_refused(qapp):
    with pytest.raises(PoetPadError) as info:
        ex.render_card("，。！\n？", ex.ExportOptions(title="静夜思", vertical=True))
    assert str(info.value) == EMPTY_MESSAGE


def test_folder_that_cannot_hold_files(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, blocker / "poem.txt")
    message = str(info.value)
    assert message.startswith(f"Could not write {blocker / 'poem.txt'}: ") and _one_sentence(message)
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, tmp_path / "missing" / "poem.md")
    assert _one_sentence(str(info.value))
    assert _leftovers(tmp_path, {"not-a-folder"}) == []


def test_failed_replace_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "poem.html"
    path.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(ex.os, "replace", refuse)
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, path)
    assert str(info.value) == f"Could not write {path}: Permission denied."
    assert path.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path, {"poem.html"}) == []


def test_target_is_a_folder(tmp_path):
    folder = tmp_path / "poem.txt"
    folder.mkdir()
    with pytest.raises(PoetPadError) as info:
        ex.export(ZH, folder)
    assert _one_sentence(str(info.value)) and str(folder) in str(info.value)
    assert _leftovers(tmp_path, {"poem.txt"}) == []


def test_copy_to_clipboard(qapp):
    from PySide6.QtGui import QGuiApplication

    ex.copy_to_clipboard(EN)
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.text() == EN
    assert mime.hasHtml() and "&lt;b&gt;&amp;" in mime.html()
    with pytest.raises(PoetPadError):
        ex.copy_to_clipboard("  ")


def test_module_does_not_import_torch():
    code = "import sys, poetpad.gui.export; sys.exit(1 if 'torch' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
