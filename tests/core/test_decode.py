"""Tests for poetpad.core.decode: constrained sampling and beam search over the forms' masks."""

from __future__ import annotations

import itertools
import math
import random

import pytest
import torch
from torch import nn

from poetpad.core import decode
from poetpad.core.decode import (
    Request,
    SampleSettings,
    filter_logits,
    generate,
    sample,
)
from poetpad.core.forms import Spec
from poetpad.core.model import ModelConfig, PoetLM
from poetpad.core.prosody_zh import rhyme_groups
from poetpad.core.text import Form, is_cjk, parse_form
from poetpad.core.train.config import TrainConfig
from poetpad.core.train.loop import Trainer
from poetpad.core.verse import check_poem
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab
from poetpad.errors import DecodeError
from tests.helpers import chinese_quatrains

FIXED = {"5x4": (5, 4), "7x4": (7, 4), "5x8": (5, 8), "7x8": (7, 8)}
CLASSICS = [
    "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。",
    "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。",
    "朝辞白帝彩云间，\n千里江陵一日还。\n两岸猿声啼不住，\n轻舟已过万重山。",
]
EN_LINES = [
    "Roses are red and the evening is long",
    "over the sea the old moon is singing",
    "so sweet the summer, so short the day",
    "every star remembers a river of light",
]


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(vocab: Vocab, seed: int = 0) -> PoetLM:
    torch.manual_seed(seed)
    return PoetLM(ModelConfig(len(vocab), embedding=16, hidden=32, layers=1, dropout=0.0)).eval()


def zh_poems() -> list[str]:
    return chinese_quatrains(60) + chinese_quatrains(30, seed=1, width=7) + CLASSICS


@pytest.fixture(scope="module")
def zh_vocab() -> Vocab:
    return Vocab.build(zh_poems())


@pytest.fixture(scope="module")
def untrained(zh_vocab) -> PoetLM:
    return tiny(zh_vocab)


@pytest.fixture(scope="module")
def trained(zh_vocab) -> PoetLM:
    poems = zh_poems()
    model = tiny(zh_vocab, seed=1)
    config = TrainConfig(device="cpu", epochs=12, batch_size=16, seq_len=32, lr=1e-2, warmup_steps=2,
                         samples=0, progress_interval=0.0, checkpoint_minutes=60.0, patience=50)
    result = Trainer(model, zh_vocab, zh_vocab.encode_poems(poems), zh_vocab.encode_poems(poems[:8]),
                     config).run()
    # It learnt something: well below the loss of guessing uniformly.
    assert result.best_valid_loss < 0.8 * math.log(len(zh_vocab))
    return result.model.eval()


def hanzi_of(vocab: Vocab) -> list[str]:
    return [t for t in vocab.tokens if len(t) == 1 and is_cjk(t)]


def ask(form: str | None = "5x4", **kw) -> Request:
    """A Request from flat keywords: Spec and SampleSettings fields go where they belong."""
    spec = kw.pop("spec", None) or Spec(form=parse_form(form), **{k: kw.pop(k) for k in list(kw)
                                                                  if k in Spec.__dataclass_fields__})
    settings = kw.pop("settings", None) or SampleSettings(**{k: kw.pop(k) for k in list(kw)
                                                             if k in SampleSettings.__dataclass_fields__})
    return Request(spec=spec, settings=settings, **kw)


# -- 1. every poem fits, whatever the model ---------------------------------------------------------


def test_the_vocab_can_rhyme_in_several_groups(zh_vocab):
    groups: dict[str, int] = {}
    for ch in hanzi_of(zh_vocab):
        for g in rhyme_groups(ch):
            groups[g] = groups.get(g, 0) + 1
    assert sum(1 for n in groups.values() if n >= 3) >= 3


def test_unconstrained_sampling_of_the_untrained_model_is_not_a_quatrain(untrained, zh_vocab):
    # The property test below means something only if the model alone would not pass it.
    texts = [g.text for g in sample(untrained, zh_vocab, "", 4, SampleSettings(seed=1, max_tokens=40))]
    assert not any(check_poem(t, form="5x4").form_ok for t in texts)


@pytest.mark.parametrize("which", ["untrained", "trained"])
@pytest.mark.parametrize("form", list(FIXED))
def test_every_poem_fits_the_form_the_acrostic_and_the_rhyme(which, form, request, zh_vocab):
    model = request.getfixturevalue(which)
    rng = random.Random(f"{which}/{form}")
    hanzi = hanzi_of(zh_vocab)
    lines = FIXED[form][1]
    for _ in range(2):
        heads = "".join(rng.choice(hanzi) for _ in range(lines))
        for beam, rhyme in itertools.product((0, 4), (False, True)):
            req = Request(spec=Spec(form=parse_form(form), heads=heads, rhyme=rhyme), beam=beam,
                          n=4 if beam else 3, settings=SampleSettings(seed=rng.randrange(10_000), temperature=1.3))
            results = generate(model, zh_vocab, req)
            assert len(results) == req.n
            for r in results:
                check = check_poem(r.text, form=form, heads=heads)
                what = (form, heads, beam, rhyme, r.text, check.problems)
                assert check.form_ok and check.acrostic_ok, what
                assert check.rhyme_ok or not rhyme, what
                assert r.text.count("\n") == lines - 1 and r.continuation == r.text
            if beam:
                scores = [r.score for r in results]
                assert scores == sorted(scores, reverse=True)


def test_rhyme_first_line_and_a_fixed_rhyme_group(untrained, zh_vocab):
    for beam in (0, 3):
        r = generate(untrained, zh_vocab, ask("7x4", rhyme=True, rhyme_first_line=True, beam=beam))[0]
        assert check_poem(r.text, form="7x4", rhyme_first_line=True).rhyme_ok, r.text
        r = generate(untrained, zh_vocab, ask("5x4", rhyme=True, rhyme_group="十四寒", beam=beam, seed=4))[0]
        ends = [line[-2] for line in r.text.split("\n")]
        assert "十四寒" in rhyme_groups(ends[1]) and "十四寒" in rhyme_groups(ends[3]), r.text


def test_no_character_twice_in_a_line_unless_unavoidable(untrained, zh_vocab):
    for r in generate(untrained, zh_vocab, ask("7x8", n=4, seed=2, temperature=0.3)):
        for line in r.text.split("\n"):
            assert len(set(line[:-1])) == 7, line
    one = Vocab(list(SPECIALS) + ["\n", "，", "。", "山"])
    r = generate(tiny(one), one, ask("5x4", beam=2))[0]
    assert r.text == "山山山山山，\n山山山山山。\n山山山山山，\n山山山山山。"


# -- 2. beam search finds the best sequence -----------------------------------------------------------


class TableLM(nn.Module):
    """A fake PoetLM whose next-token logits depend only on the previous token, through `table` [V, V]."""

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(table.clone(), requires_grad=False)

    def forward(self, tokens: torch.Tensor, state=None):
        return self.table[tokens], torch.zeros(1, tokens.size(0), 1)

    def step(self, tokens: torch.Tensor, state=None):
        return self.table[tokens], state


ABC = Vocab(list(SPECIALS) + ["\n", "，", "。", "甲", "乙", "丙"])


def log_table(probs: dict[str, dict[str, float]], eps: float = 1e-3) -> torch.Tensor:
    """Log-probabilities [V, V] from a sparse table (row: previous token); unlisted tokens get `eps`."""
    size = len(ABC)
    table = torch.full((size, size), eps)
    for prev, row in probs.items():
        for tok, p in row.items():
            table[ABC.id(prev), ABC.id(tok)] = p
    table[:, [PAD_ID, UNK_ID, BOS_ID]] = 0.0  # the decoder never emits these
    return (table / table.sum(1, keepdim=True)).log()


def brute_force(table: torch.Tensor, form: Form, no_repeat: bool) -> list[tuple[float, str]]:
    """Every poem of `form` over 甲乙丙 with its summed log-probability, best first."""
    hanzi = ["甲", "乙", "丙"]
    line_options = [p for p in itertools.product(hanzi, repeat=form.chars) if not no_repeat or len(set(p)) == len(p)]
    out = []
    for lines in itertools.product(line_options, repeat=form.lines):
        text = "\n".join("".join(line) + ("，" if i % 2 == 0 else "。") for i, line in enumerate(lines))
        ids = [BOS_ID] + [ABC.id(ch) for ch in text] + [EOS_ID]
        out.append((sum(float(table[a, b]) for a, b in itertools.pairwise(ids)), text))
    return sorted(out, reverse=True)


def test_beam_search_beats_greedy_on_a_trap():
    # From <bos>, 甲 is the likeliest start, but after 甲 the model wants to stop (<eos> is not allowed
    # mid-line), so every continuation of 甲 is poor; 乙 丙 … is the better poem.
    table = log_table({
        "<bos>": {"甲": 0.6, "乙": 0.3, "丙": 0.1},
        "甲": {"<eos>": 0.94, "甲": 0.02, "乙": 0.02, "丙": 0.02},
        "乙": {"乙": 0.2, "丙": 0.4, "甲": 0.1, "，": 0.15, "。": 0.15},
        "丙": {"乙": 0.3, "丙": 0.2, "，": 0.25, "。": 0.25},
        "，": {"\n": 0.9},
        "。": {"<eos>": 0.9},
        "\n": {"甲": 0.5, "乙": 0.3, "丙": 0.2},
    })
    form = Form("3x2", 3, 2)
    truth = brute_force(table, form, no_repeat=False)
    model = TableLM(table)
    spec = Spec(form=form, no_repeat_in_line=False)
    greedy = generate(model, ABC, Request(spec=spec, beam=1))[0]
    best = generate(model, ABC, Request(spec=spec, beam=4))[0]
    assert greedy.text != truth[0][1] and greedy.text.startswith("甲")  # the trap catches greedy
    assert best.text == truth[0][1]
    assert best.score == pytest.approx(truth[0][0] / (len(best.tokens) + 1), abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_beam_wide_enough_to_hold_everything_ranks_like_brute_force(seed):
    gen = torch.Generator().manual_seed(seed)
    table = torch.log_softmax(torch.randn(len(ABC), len(ABC), generator=gen) * 2, dim=-1)
    table[:, [PAD_ID, UNK_ID, BOS_ID]] = float("-inf")
    table = torch.log_softmax(table, dim=-1)
    form = Form("2x2", 2, 2)
    truth = brute_force(table, form, no_repeat=True)  # 36 poems, fewer than the beam
    results = generate(TableLM(table), ABC, Request(spec=Spec(form=form), beam=64, n=10))
    assert [r.text for r in results] == [text for _, text in truth[:10]]
    length = len(results[0].tokens) + 1
    assert [r.score for r in results] == pytest.approx([s / length for s, _ in truth[:10]], abs=1e-4)


# -- 3. determinism ---------------------------------------------------------------------------------


def test_same_seed_same_poem_and_different_seeds_differ(untrained, zh_vocab):
    for beam in (0, 3):
        a = generate(untrained, zh_vocab, ask("5x4", heads="春风花月", beam=beam, seed=11))
        b = generate(untrained, zh_vocab, ask("5x4", heads="春风花月", beam=beam, seed=11))
        assert [r.text for r in a] == [r.text for r in b]
        assert [r.tokens for r in a] == [r.tokens for r in b]
    texts = {generate(untrained, zh_vocab, ask("5x4", seed=s))[0].text for s in range(6)}
    assert len(texts) >= 4


def test_poem_i_of_n_is_the_single_poem_of_seed_plus_i(untrained, zh_vocab):
    batch = generate(untrained, zh_vocab, ask("7x4", n=4, seed=100, rhyme=True))
    for i, r in enumerate(batch):
        single = generate(untrained, zh_vocab, ask("7x4", n=1, seed=100 + i, rhyme=True))[0]
        assert r.seed == single.seed == 100 + i
        assert r.text == single.text
        assert r.score == pytest.approx(single.score, abs=1e-4)
    assert len({r.text for r in batch}) > 1


def test_a_pool_may_stop_when_enough_rows_are_finished(untrained, zh_vocab):
    """Rows of free verse end at different steps; with `enough`, the stragglers are left out, and every
    row returned is finished and is the poem its seed writes alone."""
    every = generate(untrained, zh_vocab, ask("free:4", n=8, seed=40))
    lengths = sorted(len(r.tokens) for r in every)
    assert len(every) == 8 and lengths[4] < lengths[-1]  # the rows do finish apart
    some = generate(untrained, zh_vocab, ask("free:4", n=8, seed=40, enough=5))
    assert 5 <= len(some) < 8
    assert max(len(r.tokens) for r in some) < lengths[-1]
    by_seed = {r.seed: r.text for r in every}
    for r in some:
        assert len([line for line in r.text.split("\n") if line]) == 4 and r.text == by_seed[r.seed]
    with pytest.raises(DecodeError, match="Enough rows"):
        generate(untrained, zh_vocab, ask("free:4", n=2, enough=3))


# -- 4. errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, expected", [
    (lambda: ask("5x4", heads="春山水"), ["3 heads", "5x4", "4 lines"]),
    (lambda: ask("5x4", heads="Rose"), ["'R'", "Chinese"]),
    (lambda: ask("5x4", mode="verse"), ["'verse'"]),
    (lambda: ask("5x4", beam=2, n=3), ["width 2", "not 3"]),
    (lambda: ask("5x4", prefix="床前明月光好"), ["line 1", "longer than 5"]),
    (lambda: ask("5x4", prefix="床前明月，"), ["line 1", "4 characters", "needs 5"]),
    (lambda: ask("5x4", prefix="床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。"), ["complete"]),
    (lambda: ask("5x4", prefix="床前明月光，疑是地上霜。举头望明月，低头思故乡。\n", mode="next"),
     ["complete"]),
    (lambda: ask("5x4", heads="春风花月", prefix="秋"), ["line 1", "'春'"]),
    (lambda: ask("5x4", temperature=0.0), ["temperature"]),
    (lambda: ask("5x4", top_p=0.0), ["top-p"]),
    (lambda: ask("5x4", max_tokens=0), ["maximum length"]),
    (lambda: ask("5x4", rhyme=True, rhyme_group="十五无"), ["十五无"]),
    (lambda: ask("free:0"), ["0"]),
    (lambda: ask("9x9"), ["9x9"]),
])
def test_bad_requests_raise_decode_error_naming_the_problem(make, expected, untrained, zh_vocab):
    with pytest.raises(DecodeError) as info:
        generate(untrained, zh_vocab, make())
    for part in expected:
        assert part in str(info.value)


def test_the_engine_takes_the_continuing_modes_and_no_other():
    from poetpad.core.request_options import CONTINUING_MODES

    for mode in CONTINUING_MODES:
        Request(mode=mode).validate()
    with pytest.raises(DecodeError, match="Unknown mode 'new'; use one of: line, next, poem"):
        Request(mode="new").validate()


# -- 5. continuations -------------------------------------------------------------------------------


def hanzi_count(text: str) -> int:
    return sum(1 for ch in text if is_cjk(ch))


@pytest.mark.parametrize("beam", [0, 3])
def test_line_mode_completes_the_current_line_and_stops(beam, untrained, zh_vocab):
    for prefix, form, missing, punct in [("床前明", "5x4", 2, "，"), ("床前明月光，\n疑是", "5x4", 3, "。"),
                                         ("床前明月光，疑是地上霜。举头", "5x4", 3, "，"), ("朝辞白帝", "7x4", 3, "，"),
                                         ("床𠀋明", "5x4", 2, "，"), ("床前明月光，\n", "5x4", 5, "。")]:
        r = generate(untrained, zh_vocab, ask(form, prefix=prefix, mode="line", beam=beam))[0]
        assert r.continuation[-1] == punct and hanzi_count(r.continuation) == missing, (prefix, r.continuation)
        assert "\n" not in r.continuation
        assert r.text.replace("\n", "") == prefix.replace("\n", "") + r.continuation


@pytest.mark.parametrize("beam", [0, 3])
def test_next_mode_writes_exactly_one_more_line(beam, untrained, zh_vocab):
    for prefix, before in [("床前明月光，", 1), ("床前明月光，\n", 1), ("床前明月光，\n疑是地上霜。\n举头望明月，", 3)]:
        r = generate(untrained, zh_vocab, ask("5x4", prefix=prefix, mode="next", beam=beam, seed=3))[0]
        added = [line for line in r.continuation.split("\n") if line]
        assert len(added) == 1 and hanzi_count(added[0]) == 5 and added[0][-1] in "，。", r.continuation
        assert len(r.lines) == before + 1
        assert r.text.startswith(prefix)


def test_poem_mode_finishes_the_form_from_a_prefix_and_keeps_the_rhyme(untrained, zh_vocab):
    for prefix in ["床前明月光，疑是地上霜。", "床前明月光，\n疑是地上霜。\n举头", "床前𠀋月光，"]:
        for beam in (0, 2):
            r = generate(untrained, zh_vocab, ask("5x4", prefix=prefix, rhyme=True, beam=beam))[0]
            check = check_poem(r.text, form="5x4")
            assert check.form_ok and check.rhyme_ok, (prefix, r.text, check.problems)
            assert r.text.replace("\n", "").startswith(prefix.replace("\n", ""))
    # Unknown characters are read as <unk>, never a crash, and stay in the text as typed.
    assert "𠀋" not in zh_vocab
    r = generate(untrained, zh_vocab, ask(None, prefix="𠀋𠀋明月光，"))[0]
    assert r.text.startswith("𠀋𠀋明月光，\n") and check_poem(r.text, form="5x4").form_ok


def test_the_form_is_inferred_from_the_prefix_or_the_heads(untrained, zh_vocab):
    r = generate(untrained, zh_vocab, ask(None, prefix="朝辞白帝彩云间，"))[0]
    assert check_poem(r.text, form="7x4").form_ok
    r = generate(untrained, zh_vocab, ask(None, heads="春风花月"))[0]
    assert check_poem(r.text, form="7x4", heads="春风花月").form_ok


# -- 6. English ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["char", "word"])
@pytest.mark.parametrize("beam", [0, 3])
def test_english_acrostic_lines_start_with_the_letters(kind, beam):
    vocab = Vocab.build(["\n".join(EN_LINES)], kind=kind)
    assert vocab.language == "en"
    model = tiny(vocab, seed=5)
    for heads, form in [("ROSE", None), ("rose", "free:4"), ("SEA", None)]:
        results = generate(model, vocab, ask(form, heads=heads, beam=beam, n=2, seed=9))
        for r in results:
            lines = r.text.split("\n")
            assert len(lines) == len(heads), r.text
            assert [line[:1].lower() for line in lines] == list(heads.lower()), r.text
            check = check_poem(r.text, form=f"free:{len(heads)}", heads=heads)
            assert check.form_ok and check.acrostic_ok, (r.text, check.problems)


def test_english_errors_and_unknown_words_in_the_prefix():
    vocab = Vocab.build(["\n".join(EN_LINES)], kind="word")
    model = tiny(vocab)
    with pytest.raises(DecodeError, match="'Q'"):
        generate(model, vocab, ask(None, heads="QUIT"))
    with pytest.raises(DecodeError, match="5x4"):
        generate(model, vocab, ask("5x4"))
    with pytest.raises(DecodeError, match="'7'"):
        generate(model, vocab, ask(None, heads="R7"))
    r = generate(model, vocab, ask(None, prefix="Zanzibar moon,\n", mode="next"))[0]
    assert r.text.startswith("Zanzibar moon,\n") and "<unk>" not in r.text
    assert r.text == "Zanzibar moon,\n" + r.continuation and r.continuation.endswith("\n")
    r = generate(model, vocab, ask(None, prefix="Roses are", mode="line"))[0]
    assert r.text == "Roses are" + r.continuation and r.continuation.count("\n") == 1
    assert r.continuation[0] in " ,.;:!?"  # words are spaced, never glued to "are"


# -- 7. generation always ends ------------------------------------------------------------------------


class NoEos(nn.Module):
    """A PoetLM that never wants to stop: <eos> always scores -inf."""

    def __init__(self, inner: PoetLM):
        super().__init__()
        self.inner = inner

    def forward(self, tokens, state=None):
        logits, state = self.inner(tokens, state)
        return logits.index_fill(-1, torch.tensor([EOS_ID]), float("-inf")), state

    def step(self, tokens, state=None):
        logits, state = self.inner.step(tokens, state)
        return logits.index_fill(-1, torch.tensor([EOS_ID]), float("-inf")), state


def test_free_verse_stops_at_max_tokens(untrained, zh_vocab):
    for model in (untrained, NoEos(untrained)):
        for beam in (0, 2):
            for r in generate(model, zh_vocab, ask(None, max_tokens=9, beam=beam, n=2)):
                assert 1 <= len(r.tokens) <= 9
    for r in generate(NoEos(untrained), zh_vocab, ask(None, max_tokens=25, n=3)):
        assert len(r.tokens) == 25 and EOS_ID not in r.tokens


def test_a_model_that_never_ends_still_completes_a_fixed_form(untrained, zh_vocab):
    for beam in (0, 3):
        r = generate(NoEos(untrained), zh_vocab, ask("5x4", heads="春风花月", beam=beam, max_tokens=5))[0]
        check = check_poem(r.text, form="5x4", heads="春风花月")
        assert check.form_ok and check.acrostic_ok, r.text
        assert math.isfinite(r.score)


def test_counted_lines_are_all_written_even_past_max_tokens():
    vocab = Vocab.build(["\n".join(EN_LINES)], kind="char")
    r = generate(NoEos(tiny(vocab)), vocab, ask(None, heads="ROSE", max_tokens=5))[0]
    assert [line[:1].lower() for line in r.text.split("\n")] == list("rose")


# -- 8. top-k and top-p -------------------------------------------------------------------------------


def kept(logits: torch.Tensor) -> list[int]:
    return torch.isfinite(logits).nonzero().flatten().tolist()


def test_top_k_keeps_exactly_k_even_with_ties():
    logits = torch.tensor([1.0, 3.0, 3.0, 3.0, 0.0, 2.0])
    assert len(kept(filter_logits(logits, top_k=2))) == 2
    assert set(kept(filter_logits(logits, top_k=2))) <= {1, 2, 3}
    assert kept(filter_logits(logits, top_k=5)) == [0, 1, 2, 3, 5]
    out = filter_logits(logits, top_k=4)
    assert kept(out) == [1, 2, 3, 5] and torch.equal(out[kept(out)], logits[[1, 2, 3, 5]])
    assert torch.equal(filter_logits(logits, top_k=0), logits)
    assert torch.equal(filter_logits(logits, top_k=6), logits)
    batch = torch.randn(5, 50, generator=torch.Generator().manual_seed(0))
    out = filter_logits(batch, top_k=7)
    assert (torch.isfinite(out).sum(1) == 7).all()
    assert torch.equal(torch.isfinite(out), batch >= batch.topk(7, dim=1).values[:, -1:])


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = torch.tensor([0.05, 0.5, 0.15, 0.3])  # sorted: 0.5 (1), 0.3 (3), 0.15 (2), 0.05 (0)
    logits = probs.log()
    assert kept(filter_logits(logits, top_p=0.01)) == [1]  # the first token always stays
    assert kept(filter_logits(logits, top_p=0.5)) == [1]
    assert kept(filter_logits(logits, top_p=0.7)) == [1, 3]
    assert kept(filter_logits(logits, top_p=0.81)) == [1, 2, 3]
    assert kept(filter_logits(logits, top_p=0.99)) == [0, 1, 2, 3]
    assert torch.equal(filter_logits(logits, top_p=1.0), logits)
    both = filter_logits(torch.stack([logits, logits.flip(0)]), top_p=0.7)
    assert kept(both[0]) == [1, 3] and kept(both[1]) == [0, 2]
    assert kept(filter_logits(logits, top_k=3, top_p=0.99)) == [1, 2, 3]


def test_top_k_with_top_p_is_top_p_over_the_top_k():
    batch = torch.randn(6, 90, generator=torch.Generator().manual_seed(3)) * 3
    batch[0, 40:] = float("-inf")  # fewer allowed tokens than k
    for k, p in [(10, 0.5), (10, 0.9), (40, 0.95), (60, 0.8)]:
        both = filter_logits(batch, top_k=k, top_p=p)
        assert torch.equal(both, filter_logits(filter_logits(batch, top_k=k), top_p=p))
        assert (torch.isfinite(both).sum(1) <= k).all() and (torch.isfinite(both).sum(1) >= 1).all()


def test_gumbel_noise_drawn_ahead_is_each_rows_draw_step_by_step(monkeypatch):
    monkeypatch.setattr(decode, "_NOISE_FLOATS", 10)  # two steps of a 5-token vocabulary at a time
    seeds = [7, 8, 9]
    noise = decode._GumbelNoise([torch.Generator().manual_seed(s) for s in seeds], 5)
    own = [torch.Generator().manual_seed(s) for s in seeds]
    for step in range(5):
        live = [0, 2] if step < 2 else [0]  # row 1 is finished from the start, row 2 after two draws
        got = noise.next(live)
        for i in live:
            u = torch.empty(5).uniform_(generator=own[i]).clamp_(1e-20, 1.0 - 1e-7)
            assert torch.equal(got[i], -torch.log(-torch.log(u)))


def test_sampling_honours_top_k(untrained, zh_vocab):
    # With top_k=1 sampling is greedy among the allowed tokens, whatever the seed.
    texts = {generate(untrained, zh_vocab, ask("5x4", top_k=1, seed=s))[0].text for s in range(3)}
    assert len(texts) == 1
    assert texts == {generate(untrained, zh_vocab, ask("5x4", beam=1))[0].text}


# -- odds and ends --------------------------------------------------------------------------------------


def test_the_language_of_a_vocabulary_counts_letters_not_punctuation():
    assert Vocab.build(["春风，。！？.,;:!?()[]-\n"]).language == "zh"
    assert Vocab.build(EN_LINES).language == "en"
    assert Vocab.build(EN_LINES, kind="word").language == "en"
    assert Vocab.build(["1234 ,.;"]).language == "en"


def test_sampled_token_logps_are_each_tokens_own(zh_vocab):
    model = tiny(zh_vocab)
    for p in model.head.parameters():
        nn.init.zeros_(p)  # every score 0: each token the decoder may write has log-probability -log(V - 3)
    flat = -math.log(len(zh_vocab) - 3)  # padding, <unk> and <bos> are never written
    for gen in generate(model, zh_vocab, ask("5x4", n=3, seed=2)):
        assert len(gen.token_logps) == len(gen.tokens) == len(gen.continuation)
        assert gen.token_logps == pytest.approx([flat] * len(gen.tokens), abs=1e-4)
    assert generate(model, zh_vocab, ask("5x4", beam=2, n=2))[0].token_logps == []


def test_sample_is_free_and_keeps_the_prefix(untrained, zh_vocab):
    out = sample(untrained, zh_vocab, "春", 2, SampleSettings(seed=1, max_tokens=30))
    assert len(out) == 2 and all(g.text.startswith("春") for g in out)
    assert all(1 <= len(g.tokens) <= 30 for g in out)
    assert [g.seed for g in out] == [1, 2]


def test_generate_leaves_a_training_model_in_training_mode(zh_vocab):
    model = tiny(zh_vocab).train()
    generate(model, zh_vocab, ask("5x4"))
    assert model.training


def test_top_p_on_a_large_vocabulary_matches_a_full_sort():
    torch.manual_seed(0)
    for scale in (0.5, 3.0, 8.0):  # flat rows need more than the first 256 tokens, peaked ones fewer
        logits = torch.randn(3, 2000) * scale
        for p in (0.5, 0.9, 0.99):
            ordered, order = torch.sort(logits, dim=-1, descending=True)
            probs = torch.softmax(ordered, dim=-1)
            keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, order, (probs.cumsum(-1) - probs) < p)
            assert torch.equal(torch.isfinite(filter_logits(logits, top_p=p)), keep), (scale, p)


def test_a_head_the_model_lacks_is_written_as_given(untrained, zh_vocab):
    assert "龘" not in zh_vocab
    for beam in (0, 3):
        results = generate(untrained, zh_vocab, ask("5x4", heads="龘山水云", rhyme=True, beam=beam, n=2))
        for r in results:
            assert [line[0] for line in r.text.split("\n")] == list("龘山水云") and "\ufffd" not in r.text
            assert math.isfinite(r.score)
            assert check_poem(r.text, form="5x4", heads="龘山水云").form_ok


def test_diverse_beam_search_writes_different_poems(untrained, zh_vocab):
    plain = generate(untrained, zh_vocab, ask("7x4", heads="春夏秋冬", rhyme=True, beam=8, n=4))
    diverse = generate(untrained, zh_vocab, ask("7x4", heads="春夏秋冬", rhyme=True, beam=8, n=4, beam_groups=4))
    assert len({r.text for r in diverse}) == 4

    def shared(results):
        lines = [set(r.text.split("\n")) for r in results]
        return max(len(a & b) for a, b in itertools.combinations(lines, 2))

    assert shared(diverse) <= 1 < shared(plain)  # plain beam search keeps three lines of four in common
    for r in diverse:
        check = check_poem(r.text, form="7x4", heads="春夏秋冬")
        assert check.ok, r.text
