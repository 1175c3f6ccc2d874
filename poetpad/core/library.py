"""The model library: bundled models (read-only) and the user's own.

Bundled models live in models/ beside the code (or inside the frozen app);
user models live in <data dir>/models. A model's name is its file name
without the .poetpad suffix. Names are unique across both places.

Listing, finding and choosing read each file's config, vocabulary size, the head of its
meta.json and its safetensors header (modelfile.read_summary): no tensors, no torch, no numpy.
Importing and loading validate everything.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from poetpad import paths
from poetpad.core import modelfile
from poetpad.core.text import language_of
from poetpad.errors import LibraryError, ModelFileError
from poetpad.locks import is_live

log = logging.getLogger(__name__)

# \w takes in CJK ideographs too; a CJK range beside it made the pattern take 13 ms to compile.
_NAME_RE = re.compile(r"^\w[\w .\-]{0,63}$")
# Device names Windows will not use as file names, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
LANGUAGES = {"zh": "Chinese", "en": "English"}  # the names of the language codes models carry
# A training job's base model meaning "the bundled model of the poems' language" (not a usable model name).
AUTO_BASE = "<auto>"


@dataclass
class ModelInfo:
    name: str
    path: Path
    bundled: bool
    language: str
    tokenizer: str
    cell: str
    hidden: int
    layers: int
    parameters: int
    file_size: int
    valid_loss: float | None
    created: str
    # meta.json up to the training-line fingerprint, which listing does not read (all of meta.json
    # when `meta_complete`); `meta` gives the whole, read on first use.
    meta_head: dict = field(repr=False, compare=False)
    meta_complete: bool = field(default=True, repr=False, compare=False)
    _meta: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def meta(self) -> dict:
        """All of meta.json. For a file whose fingerprint listing skipped this reads the file once
        (about 60 ms for the bundled Chinese model); if it has become unreadable, the head is kept."""
        if self._meta is None:
            if self.meta_complete:
                self._meta = self.meta_head
            else:
                try:
                    self._meta = modelfile.read_metadata(self.path)
                except (ModelFileError, OSError) as exc:
                    log.warning("could not read all of the metadata of %s: %s", self.path, exc)
                    self._meta = self.meta_head
        return self._meta

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("name", "bundled", "language", "tokenizer", "cell", "hidden",
                                              "layers", "parameters", "file_size", "valid_loss", "created")}
        out["path"] = str(self.path)
        return out


def check_name(name: str) -> str:
    """Return the stripped name, or raise LibraryError saying what is wrong with it."""
    name = (name or "").strip()
    if not name:
        raise LibraryError("A model name cannot be empty.")
    if not _NAME_RE.fullmatch(name) or name.endswith("."):
        raise LibraryError(f"'{name}' is not a usable model name: use up to 64 letters, digits, spaces, "
                           "'-', '_' or '.', starting with a letter or digit.")
    if name.split(".")[0].rstrip().upper() in _RESERVED:
        raise LibraryError(f"'{name}' is not a usable model name: Windows reserves it for a device.")
    return name


def _bundled_dir() -> Path | None:
    return paths.bundled_models_dir()


def _files() -> list[tuple[Path, bool]]:
    found: list[tuple[Path, bool]] = []
    bundled = _bundled_dir()
    if bundled is not None:
        found.extend((p, True) for p in sorted(bundled.glob(f"*{modelfile.SUFFIX}")))
    try:
        found.extend((p, False) for p in sorted(paths.user_models_dir().glob(f"*{modelfile.SUFFIX}")))
    except OSError as exc:  # no readable user library (a read-only data dir without one): the bundled models
        log.warning("cannot list %s: %s", paths.user_models_dir(), exc)
    return found


def _info(path: Path, bundled: bool) -> ModelInfo:
    """What the file says about itself, read without its tensors (modelfile.read_summary)."""
    summary = modelfile.read_summary(path)
    config, meta = summary.config, summary.meta_head
    train = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    loss = train.get("best_valid_loss")
    return ModelInfo(
        name=path.stem, path=path, bundled=bundled, language=str(meta.get("language", "?")),
        tokenizer=summary.tokenizer, cell=config.cell, hidden=config.hidden, layers=config.layers,
        parameters=summary.parameters, file_size=path.stat().st_size,
        valid_loss=float(loss) if isinstance(loss, (int, float)) else None,
        created=str(meta.get("created", "")), meta_head=meta, meta_complete=summary.meta_complete)


def list_models() -> list[ModelInfo]:
    """Every model that loads, bundled first. Broken files are logged and left out."""
    infos: list[ModelInfo] = []
    seen: set[str] = set()
    for path, bundled in _files():
        if path.stem in seen:
            log.warning("ignoring %s: a model named %r is already listed", path, path.stem)
            continue
        try:
            infos.append(_info(path, bundled))
            seen.add(path.stem)
        except (ModelFileError, OSError) as exc:
            log.warning("ignoring unreadable model %s: %s", path, exc)
        except Exception as exc:  # a file renamed or rewritten while it is read: never fail a listing
            log.warning("ignoring model %s that changed while it was read: %r", path, exc)
    return infos


def _locate(name: str) -> tuple[Path, bool]:
    """(path, bundled) of the file called `name`, without reading it, or a LibraryError listing what exists."""
    files = _files()
    for path, bundled in files:
        if path.stem == name:
            return path, bundled
    names = [p.stem for p, _ in files]
    hint = f" Installed models: {', '.join(names)}." if names else " No models are installed yet."
    raise LibraryError(f"There is no model called '{name}'.{hint}")


def find(name: str) -> ModelInfo:
    """The model called `name`, or a LibraryError listing what exists."""
    return _info(*_locate(name))


def exists(name: str) -> bool:
    return any(p.stem == name for p, _ in _files())


def user_path(name: str) -> Path:
    return paths.user_models_dir() / f"{check_name(name)}{modelfile.SUFFIX}"


def _require_user(name: str, action: str) -> ModelInfo:
    info = find(name)
    if info.bundled:
        raise LibraryError(f"'{name}' is a bundled model and cannot be {action}; export a copy instead.")
    return info


def training_lock_path(name: str) -> Path:
    """The lock a training run of `name` holds while it runs (poetpad.locks)."""
    return paths.checkpoints_dir() / f"{check_name(name)}.lock"


def is_training(name: str) -> bool:
    """Is a run of `name` training right now (in this process or another)?"""
    try:
        return is_live(training_lock_path(name))
    except OSError:
        return False


def _require_free(name: str) -> None:
    if exists(name):
        raise LibraryError(f"A model called '{name}' already exists; choose another name.")
    if is_training(name):
        raise LibraryError(f"A model called '{name}' is being trained right now; choose another name.")


def import_model(source: str | Path, name: str | None = None) -> ModelInfo:
    """Validate `source` fully, then copy it into the user library."""
    source = Path(source)
    modelfile.validate(source)
    name = check_name(name if name is not None else source.stem)
    _require_free(name)
    target = user_path(name)
    _copy_atomic(source, target)
    log.info("imported %s as %s", source, name)
    return _info(target, False)


def export_model(name: str, target: str | Path) -> Path:
    """Copy a model (bundled or user) to `target`; a folder target keeps the model's file name."""
    info = find(name)
    target = Path(target)
    if target.is_dir():
        target = target / info.path.name
    elif target.suffix != modelfile.SUFFIX:
        target = target.with_name(target.name + modelfile.SUFFIX)
    if target.resolve() == info.path.resolve():
        raise LibraryError("The export target is the model file itself.")
    _copy_atomic(info.path, target)
    return target


def rename_model(old: str, new: str) -> ModelInfo:
    info = _require_user(old, "renamed")
    new = check_name(new)
    if new == old:
        return info
    _require_free(new)
    target = user_path(new)
    try:
        os.replace(info.path, target)
    except OSError as exc:
        raise LibraryError(f"Could not rename '{old}': {exc.strerror or exc}.") from exc
    return _info(target, False)


def delete_model(name: str) -> None:
    """Delete a user model. A damaged one can be deleted too (it is left out of listings, not hidden from this)."""
    path, bundled = _locate(name)
    if bundled:
        raise LibraryError(f"'{name}' is a bundled model and cannot be deleted; export a copy instead.")
    try:
        path.unlink()
    except OSError as exc:
        raise LibraryError(f"Could not delete '{name}': {exc.strerror or exc}.") from exc


def _copy_atomic(source: Path, target: Path) -> None:
    tmp: Path | None = None
    try:
        fd, tmp = modelfile.open_temp_beside(target)
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise LibraryError(f"Could not write {target}: {exc.strerror or exc}.") from exc


def choose_model(language: str | None, preferred: str = "") -> ModelInfo:
    """The model to write in `language` ('zh', 'en'; None when the text does not tell).

    `preferred` (a model name, such as the window's active model) wins when it is installed and
    its language is `language` (or `language` is None). Otherwise: the models of that language,
    bundled first (they are the curated ones), then the user's, newest first; with no language,
    the first Chinese model, else the first model. Raises LibraryError when there is no model at
    all, or none in `language`, saying what to train.
    """
    models = list_models()
    if not models:
        raise LibraryError("No models are installed yet; train one with: poetpad train PATH --name NAME.")
    if preferred:
        for info in models:
            if info.name == preferred and language in (None, info.language):
                return info
    if language is None:
        return next((info for info in models if info.language == "zh"), models[0])
    matching = sorted((info for info in models if info.language == language), key=lambda i: i.created, reverse=True)
    matching.sort(key=lambda i: not i.bundled)  # stable: bundled first, each group newest first
    if not matching:
        name = LANGUAGES.get(language)
        what = f"No {name} model is installed; train one on {name} poems" if name else \
            f"No model for the language '{language}' is installed; train one on poems in it"
        raise LibraryError(f"{what} with: poetpad train PATH --name NAME (or Models → Train a model).")
    return matching[0]


def default_base(language: str, models: list[ModelInfo] | None = None) -> ModelInfo | None:
    """The bundled model that writes `language`: what training fine-tunes unless told otherwise (None: none)."""
    models = list_models() if models is None else models
    return next((info for info in models if info.bundled and info.language == language), None)


def default_model(text: str = "") -> ModelInfo:
    """The model to use when none is named: the best one in the language of `text` (see choose_model)."""
    return choose_model(language_of(text))
