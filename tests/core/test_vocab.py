import json
from collections import Counter

import numpy as np
import pytest

from poetpad.core.vocab import BOS_ID, EOS_ID, SPECIALS, UNK_ID, Vocab, join_words
from poetpad.errors import VocabError

SONNET = "Shall I compare thee to a summer's day?"


# -- ids ------------------------------------------------------------------------------------------

def test_specials_take_ids_0_to_3():
    v = Vocab.build(["abc"])
    assert v.tokens[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert [v.id(s) for s in SPECIALS] == [0, 1, 2, 3]
    assert (UNK_ID, BOS_ID, EOS_ID) == (1, 2, 3)


def test_order_is_frequency_then_token():
    v = Vocab.build(["abca", "b", "c", "c", "d"])  # c:3, a:2, b:2, d:1
    assert v.tokens[4:] == ["c", "a", "b", "d"]


def test_chinese_ties_are_broken_by_the_character():
    v = Vocab.build(["春风春月"])
    assert v.tokens[4:] == ["春", "月", "风"]  # 月 U+6708 sorts before 风 U+98CE


def test_same_corpus_gives_same_ids_whatever_the_order_of_texts():
    texts = ["床前明月光", "疑是地上霜", "明月几时有"]
    first = Vocab.build(texts)
    assert Vocab.build(texts) == first
    assert Vocab.build(list(reversed(texts))).tokens == first.tokens
    assert first.encode("明月").tolist() == Vocab.build(texts).encode("明月").tolist()


def test_special_strings_in_text_are_not_special():
    v = Vocab.build(["<pad> <eos>"], kind="word")
    assert v.tokens.count("<pad>") == 1
    assert "<" in v and "pad" in v
    assert v.encode("<pad>").tolist() == [v.id("<"), v.id("pad"), v.id(">")]


def test_unknown_kind_is_rejected():
    with pytest.raises(VocabError, match="bpe"):
        Vocab.build(["a"], kind="bpe")


# -- char encoding --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["床前明月光，\n疑是地上霜。", "A rose,\nby any other name!", "春\n\nA 😀 b", ""])
def test_char_round_trip(text):
    v = Vocab.build([text, "x"])
    ids = v.encode(text)
    assert ids.dtype == np.int32
    assert len(ids) == len(text)
    assert UNK_ID not in ids.tolist()
    assert v.decode(ids) == text


def test_encode_gives_the_token_ids():
    v = Vocab.build(["aab"])
    assert v.encode("baa").tolist() == [5, 4, 4]


def test_unknown_chars_map_to_unk_and_decode_as_replacement_char():
    v = Vocab.build(["abc"])
    ids = v.encode("axb😀\x00")
    assert ids.tolist() == [v.id("a"), 1, v.id("b"), 1, 1]
    assert v.decode(ids) == "a\ufffdb\ufffd\ufffd"


def test_lone_surrogates_never_crash_and_never_become_tokens():
    # Text decoded with errors="surrogateescape" holds lone surrogates: they are not characters.
    v = Vocab.build(["ab\udcff"])
    assert v.tokens[4:] == ["a", "b"]
    assert v.encode("a\ud800b").tolist() == [v.id("a"), UNK_ID, v.id("b")]
    w = Vocab.build(["ab \udcff"], kind="word")
    assert w.tokens[4:] == ["ab"]
    assert w.encode("ab \udcff").tolist() == [w.id("ab"), UNK_ID]
    extended, added = v.extended(["\udc80c"])
    assert added == ["c"]
    json.dumps(extended.to_dict(), ensure_ascii=False).encode("utf-8")  # savable as UTF-8


def test_decode_skips_pad_bos_eos_and_out_of_range_ids():
    v = Vocab.build(["ab"])
    assert v.decode([0, 2, v.id("a"), 3, 999, -1, v.id("b")]) == "ab"


def test_encode_poems_wraps_each_poem_in_bos_eos():
    v = Vocab.build(["ab", "c"])
    a, b, c = v.id("a"), v.id("b"), v.id("c")
    out = v.encode_poems(iter(["ab", "c", ""]))
    assert out.dtype == np.int32
    assert out.tolist() == [2, a, b, 3, 2, c, 3, 2, 3]


def test_encode_poems_of_nothing_is_an_empty_int32_array():
    out = Vocab.build(["a"]).encode_poems([])
    assert out.dtype == np.int32 and out.shape == (0,)


def test_encode_poems_word_kind():
    v = Vocab.build(["the moon"], kind="word")
    assert v.encode_poems(["the moon", "moon"]).tolist() == [2, v.id("the"), v.id("moon"), 3, 2, v.id("moon"), 3]


# -- word tokenizer -------------------------------------------------------------------------------

def test_word_tokens_keep_inner_apostrophes_and_split_punctuation():
    v = Vocab.build([SONNET], kind="word")
    assert v.tokenize(SONNET) == ["Shall", "I", "compare", "thee", "to", "a", "summer's", "day", "?"]
    assert v.tokenize("summer’s day") == ["summer’s", "day"]


@pytest.mark.parametrize("text", [
    SONNET,
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:",
    "“Hope,” she said, “is the thing with feathers.”",
    "(So long) lives this; and this gives life to thee!",
    "Line one,\n\nline three.",
    "'Tis the season, and 'twas the night",
    "And ’tis so; the boys' toys, rock 'n' roll.",
    "'Hope,' she said.",
    'He said "hi" to me.',
    '"Come,\nI said." Then "go."',
    '"One stanza\n"opens again."',
    '—"Hi," said he—and went (quietly).',
])
def test_word_round_trip_with_natural_spacing(text):
    v = Vocab.build([text], kind="word")
    ids = v.encode(text)
    assert ids.dtype == np.int32
    assert UNK_ID not in ids.tolist()
    assert v.decode(ids) == text


def test_word_unknown_decodes_as_unk_marker():
    v = Vocab.build(["the moon"], kind="word")
    ids = v.encode("the sun")
    assert ids.tolist() == [v.id("the"), UNK_ID]
    assert v.decode(ids) == "the <unk>"


def test_leading_apostrophe_belongs_to_the_word():
    v = Vocab.build(["x"], kind="word")
    assert v.tokenize("And 'tis ’twas 'n' boys'") == ["And", "'tis", "’twas", "'n", "'", "boys", "'"]


def test_join_words_spacing_rules():
    assert join_words(["a", ",", "b", "\n", "c", "."]) == "a, b\nc."
    assert join_words(['"', "a", '"', "b", '"', "c", '"']) == '"a" b "c"'

    assert join_words(["\n", "a"]) == "\na"
    assert join_words([]) == ""


# -- min_freq ------------------------------------------------------------------------------------

def test_min_freq_drops_rare_words():
    v = Vocab.build(["a a b", "a b c", "d"], kind="word", min_freq=2)
    assert v.tokens[4:] == ["a", "b"]
    assert v.min_freq == 2
    assert v.encode("a c d").tolist() == [v.id("a"), UNK_ID, UNK_ID]


def test_min_freq_drops_rare_chars_and_is_at_least_one():
    assert Vocab.build(["aab"], min_freq=2).tokens[4:] == ["a"]
    zero = Vocab.build(["ab"], min_freq=0)
    assert zero.tokens[4:] == ["a", "b"] and zero.min_freq == 1


# -- extended ------------------------------------------------------------------------------------

def test_extended_appends_without_changing_old_ids():
    v = Vocab.build(["aab"])
    old = list(v.tokens)
    v2, added = v.extended(["bcdd"])
    assert added == ["d", "c"]
    assert v2.tokens == old + ["d", "c"]
    assert v.tokens == old  # the original is untouched
    assert [v2.id(t) for t in old] == list(range(len(old)))
    assert v2.id("d") == len(old) and v2.id("c") == len(old) + 1
    assert v2.kind == "char" and v2.min_freq == v.min_freq


def test_extended_min_freq_and_nothing_new():
    v = Vocab.build(["ab"])
    v2, added = v.extended(["cdd"], min_freq=2)
    assert added == ["d"]
    v3, none = v.extended(["abba"])
    assert none == [] and v3 == v


def test_extended_word_vocab():
    v = Vocab.build(["the moon"], kind="word")
    v2, added = v.extended(["the sea , the sea"])
    assert added == ["sea", ","]
    assert v2.tokens[: len(v)] == v.tokens


def test_missing_counts_unknown_tokens():
    v = Vocab.build(["ab"])
    assert v.missing(["abc", "cd"]) == Counter({"c": 2, "d": 1})


# -- persistence ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,texts,min_freq", [("char", ["床前明月光", "ab\n"], 1),
                                                 ("word", ["the moon , the sea"], 2)])
def test_to_dict_from_dict_round_trip_through_json(kind, texts, min_freq):
    v = Vocab.build(texts, kind=kind, min_freq=min_freq)
    data = v.to_dict()
    assert data == {"kind": kind, "min_freq": min_freq, "tokens": v.tokens}
    back = Vocab.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert back == v
    assert back.encode(texts[0]).tolist() == v.encode(texts[0]).tolist()


def test_from_dict_defaults_to_char_and_min_freq_1():
    v = Vocab.from_dict({"tokens": list(SPECIALS) + ["a"]})
    assert v.kind == "char" and v.min_freq == 1 and len(v) == 5


def test_word_vocab_accepts_multi_character_tokens():
    assert Vocab.from_dict({"kind": "word", "tokens": list(SPECIALS) + ["hello"]}).id("hello") == 4


@pytest.mark.parametrize("data,message", [
    (["<pad>", "<unk>", "<bos>", "<eos>"], "not a JSON object"),
    ("tokens", "not a JSON object"),
    ({}, "not a list of strings"),
    ({"tokens": "<pad><unk>"}, "not a list of strings"),
    ({"tokens": list(SPECIALS) + [5]}, "not a list of strings"),
    ({"tokens": ["a", "b", "c", "d"]}, "special tokens"),
    ({"tokens": ["<unk>", "<pad>", "<bos>", "<eos>", "a"]}, "special tokens"),
    ({"tokens": ["<pad>", "<unk>", "<bos>"]}, "special tokens"),
    ({"tokens": list(SPECIALS) + ["a", "b", "a"]}, "twice"),
    ({"tokens": list(SPECIALS) + ["<pad>"]}, "twice"),
    ({"tokens": list(SPECIALS) + ["ab"]}, "multi-character token 'ab'"),
    ({"tokens": list(SPECIALS) + [""]}, "empty or non-text"),
    ({"tokens": list(SPECIALS) + ["\ud800"]}, "empty or non-text"),
    ({"kind": "bpe", "tokens": list(SPECIALS)}, "Unknown tokenizer 'bpe'"),
    ({"tokens": list(SPECIALS), "min_freq": 0}, "min_freq"),
    ({"tokens": list(SPECIALS), "min_freq": True}, "min_freq"),
    ({"tokens": list(SPECIALS), "min_freq": "2"}, "min_freq"),
])
def test_from_dict_rejects_malformed_data(data, message):
    with pytest.raises(VocabError, match=message):
        Vocab.from_dict(data)
