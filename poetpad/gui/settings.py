"""The app's settings: a JSON file in the config dir, written atomically, read forgivingly."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from poetpad import paths
from poetpad.core.request_options import REQUEST_OPTIONS, TONE_MODES, default
from poetpad.fileio import atomic_write_text

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
THEMES = ("system", "light", "dark")
LANGUAGES = ("system", "en", "zh_CN")
MAX_RECENT = 10


@dataclass
class DecodeDefaults:
    """The verse panel's settings. Their ranges, and the defaults the panel shares with a request,
    are the request options' (core.request_options); the panel's own are set here."""

    mode: str = "line"          # one of request_options.WRITING_MODES
    form: str = "auto"          # auto, 5x4, 7x4, 5x8, 7x8, free
    rhyme: bool = default("rhyme")
    rhyme_system: str = default("rhyme_system")  # one of prosody_zh.RHYME_SYSTEMS
    tones: str = "auto"         # auto (basic for 绝句 and 律诗), or one of request_options.TONE_MODES
    strategy: str = "sample"    # sample or beam
    beam: int = 8               # the width when the strategy is beam
    temperature: float = default("temperature")
    top_k: int = default("top_k")
    top_p: float = default("top_p")
    candidates: int = 4         # the request's n
    seed: int | None = None     # None: a new seed for every request


@dataclass
class Settings:
    theme: str = "system"
    language: str = "system"
    font_family: str = ""       # "": a CJK-capable default
    font_size: int = 16
    default_model: str = ""     # "": chosen by the text's language
    device: str = "auto"
    show_tones: bool = False
    decode: DecodeDefaults = field(default_factory=DecodeDefaults)
    recent_files: list[str] = field(default_factory=list)
    window_geometry: str = ""   # base64 of QMainWindow.saveGeometry()
    window_state: str = ""      # base64 of QMainWindow.saveState()

    def add_recent(self, path: str | Path) -> None:
        text = str(Path(path).resolve())
        self.recent_files = [text] + [p for p in self.recent_files if p != text][: MAX_RECENT - 1]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        """Settings from JSON data; unknown keys are ignored and wrong values fall back to defaults."""
        settings = cls()
        if not isinstance(data, dict):
            return settings
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "decode":
                settings.decode = _decode_defaults(value)
            elif _same_kind(getattr(settings, f.name), value):
                setattr(settings, f.name, value)
        if settings.theme not in THEMES:
            settings.theme = "system"
        if settings.language not in LANGUAGES:
            settings.language = "system"
        settings.font_size = min(72, max(8, settings.font_size))
        settings.recent_files = [p for p in settings.recent_files if isinstance(p, str)][:MAX_RECENT]
        return settings


def _same_kind(default: object, value: object) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int) and isinstance(value, int):
        return True
    if isinstance(default, float) and isinstance(value, (int, float)):
        return True
    return type(default) is type(value)


# The panel's settings read back into the ranges the request options declare (candidates: the request's n).
_CLAMPED = {name: REQUEST_OPTIONS[option] for name, option in (
    ("rhyme_system", "rhyme_system"), ("beam", "beam"), ("candidates", "n"), ("top_k", "top_k"),
    ("top_p", "top_p"), ("temperature", "temperature"))}


def _decode_defaults(data: object) -> DecodeDefaults:
    out = DecodeDefaults()
    if not isinstance(data, dict):
        return out
    for f in fields(DecodeDefaults):
        if f.name in data:
            value, current = data[f.name], getattr(out, f.name)
            if f.name == "seed":
                if value is None or (isinstance(value, int) and not isinstance(value, bool)
                                     and REQUEST_OPTIONS["seed"].problem(value) is None):
                    out.seed = value
            elif _same_kind(current, value):
                if isinstance(current, float):
                    try:
                        value = float(value)
                    except OverflowError:
                        continue
                    if not math.isfinite(value):
                        continue
                setattr(out, f.name, value)
    if out.tones not in ("auto", *TONE_MODES):
        out.tones = "auto"
    for name, option in _CLAMPED.items():
        setattr(out, name, option.clamp(getattr(out, name)))
    out.beam = max(1, out.beam)  # a width: the strategy chooses sampling
    return out


MAX_SETTINGS_BYTES = 1024 * 1024  # a settings file is a few kilobytes; a larger one is not ours


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def load() -> Settings:
    """The saved settings, or the defaults when there are none or the file is unusable."""
    return load_checked()[0]


def load_checked() -> tuple[Settings, str | None]:
    """The saved settings and None, or, when settings.json cannot be used (unreadable, not JSON, junk,
    a list, nesting too deep, numbers too large, far too large), the defaults and a sentence for the
    user: the bad file is kept as a backup beside it, so this is said once."""
    try:
        path = settings_path()
    except OSError as exc:
        log.warning("no settings folder: %s", exc)
        return Settings(), None
    try:
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            raise ValueError(f"{path.stat().st_size:,} bytes is too large")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Settings.from_dict(data), None
    except FileNotFoundError:
        return Settings(), None
    except Exception as exc:  # any content at all must fall back: RecursionError, OverflowError…
        log.warning("ignoring unusable settings %s: %s", path, exc.__class__.__name__)
        backup = _keep_backup(path)
        where = f" The old file was kept as {backup}." if backup else ""
        return Settings(), f"The settings file could not be used, so PoetPad started with its defaults.{where}"


def _keep_backup(path: Path) -> Path | None:
    backup = path.with_name(f"{path.stem}.bad-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
    try:
        os.replace(path, backup)
    except OSError as exc:
        log.warning("could not keep %s aside: %s", path, exc)
        return None
    return backup


def save(settings: Settings) -> None:
    atomic_write_text(settings_path(), json.dumps(settings.to_dict(), ensure_ascii=False, indent=1) + "\n")
