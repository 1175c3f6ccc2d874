import logging
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


def test_default_model_falls_back_to_whatever_exists(en_file):
    library.import_model(en_file)
    assert library.default_model("春眠不觉晓").name == "sonnets"


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
