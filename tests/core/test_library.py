import logging
import re
from pathlib import Path

import pytest

from poetpad import paths
from poetpad.core import library, modelfile
from poetpad.errors import LibraryError, ModelFileError


@pytest.fixture(autouse=True)
def no_bundled(monkeypatch):
    """No bundled models unless a test asks for the `bundled` folder."""
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: None)


@pytest.fixture
def bundled(tmp_path, monkeypatch, make_model_file) -> Path:
    """A read-only-by-policy bundled folder holding one Chinese model, 唐诗-small."""
    folder = tmp_path / "bundled"
    make_model_file(folder / "唐诗-small.poetpad", language="zh", meta={"training": {"best_valid_loss": 2.5}})
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: folder)
    return folder


@pytest.fixture
def en_file(tmp_path, make_model_file) -> Path:
    return make_model_file(tmp_path / "incoming" / "sonnets.poetpad", language="en", cell="gru", hidden=16, layers=2)


def user_files() -> list[str]:
    return sorted(p.name for p in paths.user_models_dir().iterdir())


def test_fresh_data_dir_lists_nothing(data_dir):
    assert library.list_models() == []
    assert paths.user_models_dir() == data_dir / "models"
    assert user_files() == []
    assert not library.exists("anything")


def test_import_then_list_shows_the_model(en_file, make_model):
    info = library.import_model(en_file)
    assert info.name == "sonnets"
    assert info.path == paths.user_models_dir() / "sonnets.poetpad"
    assert info.path.read_bytes() == en_file.read_bytes()
    [listed] = library.list_models()
    assert listed == info
    model, _ = make_model(kind="word", cell="gru", hidden=16, layers=2)
    assert (listed.bundled, listed.language, listed.tokenizer, listed.cell, listed.hidden, listed.layers) == \
        (False, "en", "word", "gru", 16, 2)
    assert listed.parameters == model.num_parameters() == sum(p.numel() for p in model.parameters())
    assert listed.file_size == en_file.stat().st_size
    assert listed.valid_loss == 1.25
    assert listed.created == "2024-01-02T03:04:05"
    assert listed.to_dict()["path"] == str(info.path) and listed.to_dict()["parameters"] == listed.parameters
    assert library.find("sonnets") == info
    assert library.exists("sonnets")
    assert user_files() == ["sonnets.poetpad"]  # no temp file left behind


def test_tied_model_parameters_count_the_shared_matrix_once(tmp_path, make_model_file, make_model):
    path = make_model_file(tmp_path / "tied.poetpad", tied=True, embedding=8, hidden=16)
    info = library.import_model(path)
    model, _ = make_model(tied=True, embedding=8, hidden=16)
    assert info.parameters == model.num_parameters()
    assert info.parameters < sum(p.numel() for p in model.state_dict().values())


def test_import_under_another_name(en_file):
    info = library.import_model(en_file, "  My Sonnets 2 ")
    assert info.name == "My Sonnets 2"
    assert user_files() == ["My Sonnets 2.poetpad"]


@pytest.mark.parametrize("content", [b"not a model at all", b""])
def test_import_validates_first_and_copies_nothing(tmp_path, content):
    bad = tmp_path / "bad.poetpad"
    bad.write_bytes(content)
    with pytest.raises(ModelFileError):
        library.import_model(bad)
    assert user_files() == []


def test_import_rejects_a_file_that_reads_but_does_not_load(good_with_nan):
    with pytest.raises(ModelFileError, match="NaN"):
        library.import_model(good_with_nan)
    assert user_files() == []


@pytest.fixture
def good_with_nan(tmp_path, make_model_file) -> Path:
    import io
    import zipfile

    import torch
    from safetensors.torch import load, save

    path = make_model_file(tmp_path / "nan.poetpad")
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    tensors = load(parts["weights.safetensors"])
    tensors["head.bias"][0] = torch.nan
    parts["weights.safetensors"] = save(tensors)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def test_import_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        library.import_model(tmp_path / "nope.poetpad")


def test_import_name_clash_is_rejected(en_file):
    library.import_model(en_file)
    with pytest.raises(LibraryError, match="'sonnets' already exists"):
        library.import_model(en_file)
    assert user_files() == ["sonnets.poetpad"]


def test_import_clash_with_a_bundled_name(bundled, tmp_path, make_model_file):
    other = make_model_file(tmp_path / "唐诗-small.poetpad")
    with pytest.raises(LibraryError, match="already exists"):
        library.import_model(other)
    assert user_files() == []


@pytest.mark.parametrize("name", ["", "   ", "../x", "a/b", "a\\b", ".hidden", "a" * 65, "trailing.", "-dash",
                                  "a\nb", "what?", "x:y", "a*", "CON", "nul", "com1.v2", "Lpt9 "])
def test_invalid_names_are_rejected(en_file, name):
    with pytest.raises(LibraryError, match="name"):
        library.check_name(name)
    with pytest.raises(LibraryError):
        library.import_model(en_file, name)
    assert user_files() == []


@pytest.mark.parametrize("name,expected", [("a" * 64, "a" * 64), ("My model 2", "My model 2"),
                                           ("唐诗-v1.2_final", "唐诗-v1.2_final"), ("  spaced  ", "spaced"),
                                           ("console", "console"), ("COM10", "COM10")])
def test_valid_names(name, expected):
    assert library.check_name(name) == expected


def test_export_to_a_folder_and_to_a_file(en_file, tmp_path):
    library.import_model(en_file)
    folder = tmp_path / "exports"
    folder.mkdir()
    assert library.export_model("sonnets", folder) == folder / "sonnets.poetpad"
    assert library.export_model("sonnets", folder / "copy") == folder / "copy.poetpad"
    assert library.export_model("sonnets", folder / "kept.poetpad") == folder / "kept.poetpad"
    assert library.export_model("sonnets", tmp_path / "new" / "deep") == tmp_path / "new" / "deep.poetpad"
    assert sorted(p.name for p in folder.iterdir()) == ["copy.poetpad", "kept.poetpad", "sonnets.poetpad"]
    for path in [*folder.iterdir(), tmp_path / "new" / "deep.poetpad"]:
        assert path.read_bytes() == en_file.read_bytes()
    modelfile.validate(folder / "copy.poetpad")


def test_export_onto_itself_is_refused(en_file):
    info = library.import_model(en_file)
    with pytest.raises(LibraryError, match="model file itself"):
        library.export_model("sonnets", info.path)
    with pytest.raises(LibraryError, match="model file itself"):
        library.export_model("sonnets", paths.user_models_dir())
    assert info.path.read_bytes() == en_file.read_bytes()


def test_export_a_bundled_model(bundled, tmp_path):
    out = library.export_model("唐诗-small", tmp_path)
    assert out == tmp_path / "唐诗-small.poetpad"
    assert out.read_bytes() == (bundled / "唐诗-small.poetpad").read_bytes()


def test_export_unknown_model(tmp_path):
    with pytest.raises(LibraryError, match="no model called 'ghost'"):
        library.export_model("ghost", tmp_path)


def test_rename(en_file):
    library.import_model(en_file)
    info = library.rename_model("sonnets", "shakespeare")
    assert info.name == "shakespeare" and info.path.name == "shakespeare.poetpad"
    assert [i.name for i in library.list_models()] == ["shakespeare"]
    assert user_files() == ["shakespeare.poetpad"]
    assert library.rename_model("shakespeare", "shakespeare").name == "shakespeare"


def test_rename_clash_and_bad_names(en_file, tmp_path, make_model_file):
    library.import_model(en_file)
    library.import_model(make_model_file(tmp_path / "other.poetpad"))
    with pytest.raises(LibraryError, match="'other' already exists"):
        library.rename_model("sonnets", "other")
    with pytest.raises(LibraryError, match="not a usable model name"):
        library.rename_model("sonnets", "../evil")
    with pytest.raises(LibraryError, match="no model called 'ghost'"):
        library.rename_model("ghost", "x")
    assert user_files() == ["other.poetpad", "sonnets.poetpad"]


def test_delete(en_file, tmp_path, make_model_file):
    library.import_model(en_file)
    library.import_model(make_model_file(tmp_path / "keep.poetpad"))
    library.delete_model("sonnets")
    assert user_files() == ["keep.poetpad"]
    assert [i.name for i in library.list_models()] == ["keep"]
    with pytest.raises(LibraryError, match="no model called 'sonnets'"):
        library.delete_model("sonnets")


def test_bundled_models_are_read_only(bundled, en_file):
    library.import_model(en_file)
    infos = library.list_models()
    assert [(i.name, i.bundled, i.language) for i in infos] == [("唐诗-small", True, "zh"), ("sonnets", False, "en")]
    assert infos[0].valid_loss == 2.5
    with pytest.raises(LibraryError, match="bundled"):
        library.rename_model("唐诗-small", "mine")
    with pytest.raises(LibraryError, match="bundled"):
        library.delete_model("唐诗-small")
    with pytest.raises(LibraryError, match="already exists"):
        library.rename_model("sonnets", "唐诗-small")
    assert sorted(p.name for p in bundled.iterdir()) == ["唐诗-small.poetpad"]
    assert user_files() == ["sonnets.poetpad"]


def test_user_file_shadowing_a_bundled_name_is_ignored(bundled, make_model_file, caplog):
    make_model_file(paths.user_models_dir() / "唐诗-small.poetpad", language="en")
    with caplog.at_level(logging.WARNING, logger="poetpad.core.library"):
        infos = library.list_models()
    assert [(i.name, i.bundled) for i in infos] == [("唐诗-small", True)]
    assert "already listed" in caplog.text
    assert library.find("唐诗-small").bundled


def test_default_model_picks_by_language(bundled, en_file):
    library.import_model(en_file)
    assert library.default_model("床前明月光").name == "唐诗-small"
    assert library.default_model("Shall I compare thee").name == "sonnets"
    assert library.default_model("   ").name == "唐诗-small"  # no text: Chinese first
    assert library.default_model().name == "唐诗-small"


def test_default_model_without_a_model_in_the_language_of_the_text(en_file):
    # It used to fall back to whatever model exists; now it says what to train (issue 10).
    library.import_model(en_file)
    with pytest.raises(LibraryError) as err:
        library.default_model("春眠不觉晓")
    assert str(err.value) == ("No Chinese model is installed; train one on Chinese poems with: "
                              "poetpad train PATH --name NAME (or Models → Train a model).")
    assert library.default_model("").name == "sonnets"  # no language to go by: whatever exists


def test_default_model_with_nothing_installed():
    with pytest.raises(LibraryError, match="No models are installed yet"):
        library.default_model("anything")


def test_find_unknown_lists_installed_names(bundled, en_file):
    library.import_model(en_file)
    with pytest.raises(LibraryError) as err:
        library.find("nope")
    assert str(err.value) == "There is no model called 'nope'. Installed models: 唐诗-small, sonnets."


def test_find_in_an_empty_library():
    with pytest.raises(LibraryError, match="'nope'. No models are installed yet."):
        library.find("nope")


def test_corrupt_user_file_is_skipped_and_can_be_deleted(en_file, caplog):
    library.import_model(en_file)
    broken = paths.user_models_dir() / "broken.poetpad"
    broken.write_bytes(b"PK\x03\x04 garbage")
    with caplog.at_level(logging.WARNING, logger="poetpad.core.library"):
        infos = library.list_models()
    assert [i.name for i in infos] == ["sonnets"]
    assert "broken.poetpad" in caplog.text
    with pytest.raises(ModelFileError):
        library.find("broken")
    library.delete_model("broken")  # a damaged file must still be removable
    assert user_files() == ["sonnets.poetpad"]


def test_list_ignores_other_files(en_file):
    library.import_model(en_file)
    (paths.user_models_dir() / "notes.txt").write_text("hi")
    (paths.user_models_dir() / ".sonnets.poetpad.abc123.tmp").write_bytes(b"partial")
    assert [i.name for i in library.list_models()] == ["sonnets"]


# -- listing without the tensors (issue 10) -------------------------------------------------------

def rewrite(path: Path, **changes: bytes) -> Path:
    """Rewrite the zip at `path` in place with members replaced (weights__safetensors=… for dots)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.open(n).read() for n in zf.namelist()}  # open: ZipFile.read may be refused below
    parts.update({name.replace("__", "."): data for name, data in changes.items()})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def no_tensor_loading(monkeypatch):
    """Make every way of loading tensors fail, so a listing that touches them fails too."""
    import zipfile

    import safetensors.torch

    def refuse(*_a, **_k):
        raise AssertionError("tensors were loaded")

    real_read = zipfile.ZipFile.read

    def read(self, name, pwd=None):
        if (name if isinstance(name, str) else name.filename) == "weights.safetensors":
            raise AssertionError("the weights were read in full")
        return real_read(self, name, pwd)

    monkeypatch.setattr(safetensors.torch, "load", refuse)
    monkeypatch.setattr(modelfile, "read_parts", refuse)
    monkeypatch.setattr(modelfile, "load_model", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", read)


@pytest.mark.parametrize("options", [dict(cell="lstm", hidden=16, layers=2),
                                     dict(cell="gru", tied=True, embedding=8, hidden=16, layers=1),
                                     dict(cell="lstm", tied=True, embedding=12, hidden=12, layers=3, half=True)])
def test_listing_counts_parameters_from_the_header_without_loading_tensors(make_model_file, make_model, options,
                                                                           no_tensor_loading):
    half = options.pop("half", False)
    make_model_file(paths.user_models_dir() / "m.poetpad", half=half, **options)
    model, _ = make_model(**options)
    [info] = library.list_models()
    stored = sum(p.numel() for p in model.parameters())  # parameters() yields a tied matrix once
    assert info.parameters == stored == model.num_parameters()
    assert (info.cell, info.hidden, info.layers, info.tokenizer) == (options["cell"], options["hidden"],
                                                                     options["layers"], "char")
    assert library.find("m") == info


def _header(raw: bytes) -> tuple[dict, bytes]:
    import json
    import struct

    (size,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + size]), raw[8 + size:]


def _with_header(header: dict, data: bytes) -> bytes:
    import json
    import struct

    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def _weights(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as zf, zf.open("weights.safetensors") as member:
        return member.read()


def _grow_hidden(path: Path) -> None:
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf, zf.open("config.json") as member:
        config = json.loads(member.read())
    config["hidden"] += 1
    rewrite(path, config__json=json.dumps(config).encode())


def _reshape(path: Path) -> None:  # same byte count, other shape
    header, data = _header(_weights(path))
    header["rnn.weight_hh_l0"]["shape"] = header["rnn.weight_hh_l0"]["shape"][::-1]
    rewrite(path, weights__safetensors=_with_header(header, data))


def _int_dtype(path: Path) -> None:  # F32 → I32: same width, so the offsets still tile the data
    header, data = _header(_weights(path))
    header["head.bias"]["dtype"] = "I32"
    rewrite(path, weights__safetensors=_with_header(header, data))


def _drop_tensor(path: Path) -> None:
    header, data = _header(_weights(path))
    begin, end = header.pop("head.bias")["data_offsets"]
    for entry in header.values():
        if isinstance(entry, dict) and entry["data_offsets"][0] >= end:
            entry["data_offsets"] = [o - (end - begin) for o in entry["data_offsets"]]
    rewrite(path, weights__safetensors=_with_header(header, data[:begin] + data[end:]))


def _stretch(path: Path) -> None:  # a span longer than its shape
    header, data = _header(_weights(path))
    header["head.bias"]["data_offsets"][1] += 4
    rewrite(path, weights__safetensors=_with_header(header, data))


def _overlap(path: Path) -> None:  # two same-sized tensors on the same bytes: right sizes, but a gap
    header, data = _header(_weights(path))
    header["rnn.bias_hh_l0"]["data_offsets"] = header["rnn.bias_ih_l0"]["data_offsets"]
    rewrite(path, weights__safetensors=_with_header(header, data))


def _truncate(path: Path) -> None:
    rewrite(path, weights__safetensors=_weights(path)[:-4])


def _huge_header(path: Path) -> None:
    rewrite(path, weights__safetensors=b"\xff" * 8 + b"{}")


@pytest.mark.parametrize("spoil,words", [
    (_grow_hidden, "the configuration needs"),
    (_reshape, "'rnn.weight_hh_l0' of shape (16, 64)"),
    (_int_dtype, "non-float tensor 'head.bias'"),
    (_drop_tensor, "lacks the tensor 'head.bias'"),
    (_stretch, "damaged weights"),
    (_overlap, "overlap or leave gaps"),
    (_truncate, "damaged weights"),
    (_huge_header, "damaged weights"),
])
def test_a_file_whose_header_does_not_fit_its_config_is_left_out(make_model_file, spoil, words, caplog,
                                                                  no_tensor_loading):
    make_model_file(paths.user_models_dir() / "sonnets.poetpad", language="en")
    bad = make_model_file(paths.user_models_dir() / "bad.poetpad", hidden=16, layers=1)
    spoil(bad)
    with caplog.at_level(logging.WARNING, logger="poetpad.core.library"):
        assert [i.name for i in library.list_models()] == ["sonnets"]
    assert "bad.poetpad" in caplog.text and words in caplog.text
    with pytest.raises(ModelFileError, match=re.escape(words)):
        library.find("bad")


@pytest.mark.parametrize("spoil", [_reshape, _int_dtype, _drop_tensor, _stretch, _overlap, _truncate],
                         ids=lambda spoil: spoil.__name__.lstrip("_"))
def test_a_spoiled_header_also_fails_the_full_load(make_model_file, spoil):
    # The listing's header check refuses no file that would load, and misses none it can see.
    path = make_model_file(paths.user_models_dir() / "spoiled.poetpad", hidden=16, layers=1)
    spoil(path)
    with pytest.raises(ModelFileError):
        modelfile.load_model(path)


def test_a_deflated_weights_member_is_listed_too(make_model_file, no_tensor_loading):
    path = make_model_file(paths.user_models_dir() / "deflated.poetpad")
    rewrite(path)  # rewrites every member deflated, the weights included
    [info] = library.list_models()
    assert info.name == "deflated" and info.parameters > 0


def test_listing_skips_the_fingerprint_and_meta_reads_it_on_demand(make_model_file, monkeypatch):
    import base64
    import random

    fingerprint = {"kind": "bloom", "data": base64.b64encode(random.Random(0).randbytes(150_000)).decode()}
    path = make_model_file(paths.user_models_dir() / "fp.poetpad",
                           meta={"fingerprint": fingerprint, "samples": ["春风"]})
    [info] = library.list_models()
    assert not info.meta_complete and "fingerprint" not in info.meta_head
    assert info.meta_head["training"]["best_valid_loss"] == 1.25 and info.valid_loss == 1.25
    assert info.language == "zh" and info.created == "2024-01-02T03:04:05"
    assert info.meta == modelfile.read_meta(path)[2]  # read in full on first use
    assert info.meta["fingerprint"] == fingerprint and info.meta["samples"] == ["春风"]
    monkeypatch.setattr(modelfile, "read_metadata", lambda *_: pytest.fail("meta.json read twice"))
    assert info.meta["samples"] == ["春风"]


def test_listed_fields_after_the_fingerprint_are_still_found(make_model_file):
    import json

    path = make_model_file(paths.user_models_dir() / "late.poetpad")
    meta = {"fingerprint": {"data": "QUJD" * 100}, "language": "en", "created": "2025-05-05T05:05:05",
            "training": {"best_valid_loss": 0.5}}
    rewrite(path, meta__json=json.dumps(meta).encode())
    [info] = library.list_models()
    assert (info.language, info.created, info.valid_loss) == ("en", "2025-05-05T05:05:05", 0.5)
    assert info.meta_complete and info.meta == meta


@pytest.mark.parametrize("meta", [b'{"language": "zh", "training": {}, "created": "x", "fingerprint": {"a": 1}',
                                  b'{"language": "zh" "created": "x"}', b'{"language": 1e}', b"[1, 2]", b"\xff{}"])
def test_listing_refuses_a_broken_meta_head(make_model_file, meta, caplog):
    path = make_model_file(paths.user_models_dir() / "broken-meta.poetpad")
    rewrite(path, meta__json=meta)
    with caplog.at_level(logging.WARNING, logger="poetpad.core.library"):
        infos = library.list_models()
    if meta.startswith(b'{"language": "zh", "training"'):  # broken only after the fingerprint: load finds it
        assert [i.name for i in infos] == ["broken-meta"]
        with pytest.raises(ModelFileError, match="invalid JSON in 'meta.json'"):
            modelfile.load_model(path)
    else:
        assert infos == [] and "meta.json" in caplog.text


def test_listing_does_not_import_torch_or_numpy(tmp_path, make_model_file, data_dir):
    import json
    import os
    import subprocess
    import sys

    bundled = tmp_path / "bundled"
    make_model_file(bundled / "唐诗.poetpad", language="zh")
    make_model_file(paths.user_models_dir() / "sonnets.poetpad", language="en")
    code = ("import json, sys\n"
            "from poetpad.core import library\n"
            "names = [i.name for i in library.list_models()]\n"
            "found = library.find('sonnets').parameters\n"
            "chosen = [library.choose_model('en').name, library.default_model('春').name]\n"
            "print(json.dumps({'names': names, 'found': found, 'chosen': chosen,\n"
            "                  'loaded': [m for m in ('torch', 'numpy', 'safetensors') if m in sys.modules]}))\n")
    env = dict(os.environ, POETPAD_DATA_DIR=str(data_dir), POETPAD_BUNDLED_DIR=str(bundled))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                         check=True).stdout
    result = json.loads(out)
    assert result["names"] == ["唐诗", "sonnets"] and result["found"] > 0
    assert result["chosen"] == ["sonnets", "唐诗"]
    assert result["loaded"] == []


# -- choosing a model by language -----------------------------------------------------------------

@pytest.fixture
def shelf(bundled, make_model_file) -> None:
    """Bundled: 唐诗-small (zh, 2024-01-02). User: two Chinese and two English models of other dates."""
    models = paths.user_models_dir()
    make_model_file(models / "zh-new.poetpad", language="zh", meta={"created": "2025-06-01T00:00:00"})
    make_model_file(models / "zh-old.poetpad", language="zh", meta={"created": "2023-01-01T00:00:00"})
    make_model_file(models / "en-old.poetpad", language="en", meta={"created": "2024-03-01T00:00:00"})
    make_model_file(models / "en-new.poetpad", language="en", meta={"created": "2025-02-01T00:00:00"})


def test_choose_bundled_first_then_the_newest_user_model(shelf):
    assert library.choose_model("zh").name == "唐诗-small"  # bundled, though the oldest but one
    assert library.choose_model("en").name == "en-new"
    assert library.choose_model(None).name == "唐诗-small"  # no language: the first Chinese model


def test_choose_the_preferred_model_when_its_language_fits(shelf):
    assert library.choose_model("zh", preferred="zh-old").name == "zh-old"
    assert library.choose_model(None, preferred="en-old").name == "en-old"
    assert library.choose_model("en", preferred="en-old").name == "en-old"


def test_a_preferred_model_of_another_language_or_missing_is_passed_over(shelf):
    assert library.choose_model("en", preferred="zh-old").name == "en-new"
    assert library.choose_model("zh", preferred="en-old").name == "唐诗-small"
    assert library.choose_model("zh", preferred="ghost").name == "唐诗-small"
    assert library.choose_model(None, preferred="ghost").name == "唐诗-small"


def test_without_bundled_models_the_newest_user_model_wins(make_model_file):
    models = paths.user_models_dir()
    make_model_file(models / "a-old.poetpad", language="zh", meta={"created": "2023-01-01T00:00:00"})
    make_model_file(models / "b-new.poetpad", language="zh", meta={"created": "2025-01-01T00:00:00"})
    make_model_file(models / "c-undated.poetpad", language="zh", meta={"created": ""})
    assert library.choose_model("zh").name == "b-new"
    assert library.choose_model(None).name == "a-old"  # no language: the first Chinese model, as listed


def test_choose_with_no_model_in_the_language_says_what_to_train(bundled):
    with pytest.raises(LibraryError) as err:
        library.choose_model("en", preferred="唐诗-small")
    assert str(err.value) == ("No English model is installed; train one on English poems with: "
                              "poetpad train PATH --name NAME (or Models → Train a model).")
    assert "\n" not in str(err.value)
    with pytest.raises(LibraryError, match=r"^No English model is installed"):
        library.default_model("Shall I compare thee to a summer's day?")
    with pytest.raises(LibraryError) as err:
        library.choose_model("fr")
    assert str(err.value) == ("No model for the language 'fr' is installed; train one on poems in it with: "
                              "poetpad train PATH --name NAME (or Models → Train a model).")


def test_choose_with_nothing_installed():
    with pytest.raises(LibraryError) as err:
        library.choose_model("zh", preferred="anything")
    assert str(err.value) == "No models are installed yet; train one with: poetpad train PATH --name NAME."
