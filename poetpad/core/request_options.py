"""Every option of a request, declared once: its default, its range or choices, and its help.

`SuggestRequest` takes its defaults from here and `validate()` its ranges; `poetpad generate`,
`revise` and `check` build their arguments from here; the window's spin boxes take their ranges
and the settings file its clamps from here. The mode, tone and rhyme-system names are declared
here (the rhyme systems in prosody_zh, beside their tables) and imported by everyone else.
Torch-free and Qt-free: the CLI's --help and the window's start-up import it.
"""

from __future__ import annotations

from poetpad.core.options import Option, table
from poetpad.core.prosody_zh import DEFAULT_RHYME_SYSTEM, RHYME_SYSTEMS

CONTINUING_MODES = ("line", "next", "poem")   # finish the line, write the next line, finish the poem
WRITING_MODES = (*CONTINUING_MODES, "new", "acrostic")  # the modes a poet picks (the window's Mode list)
MODES = (*WRITING_MODES, "rewrite", "revise")  # and the window's locks and revisions
NEW_POEM_MODES = frozenset({"new", "acrostic", "rewrite"})  # the text before the cursor is not continued
TONE_MODES = ("off", "basic", "strict")
MAX_SEED = 2**31 - 1

REQUEST_OPTIONS = table(
    Option("prefix", str, "", "the text to continue (the text before the cursor)"),
    Option("mode", str, "poem", "finish the current line, write the next line, or finish the poem", choices=MODES),
    Option("form", str, None, "5x4, 7x4, 5x8, 7x8; sonnet, quatrain, couplet, couplets:N, blank, blank:N, "
                              "limerick; free or free:N (default: from the prefix or heads)"),
    Option("heads", str, "", "藏头诗: the first character of each line", flag="--acrostic", metavar="HEADS"),
    Option("keywords", str, "", "words every poem contains, e.g. 雁,霜 (one to four, of one or two characters)",
           metavar="WORDS"),
    Option("syllables", int, None, "English: syllables a line (one more allowed: a feminine ending); default 10 "
                                   "for the metered forms", low=1, high=100),
    Option("rhyme_scheme", str, "", "English: one letter a line, e.g. ABAB (x: unrhymed); overrides the form's",
           metavar="LETTERS"),
    Option("rhyme", bool, True, "even lines share a rhyme group, on 平; on by default except for free forms"),
    Option("rhyme_group", str, None, "fix the rhyme group, e.g. 十唐"),
    Option("rhyme_first_line", bool, False, "line 1 rhymes too"),
    Option("allow_repeat", bool, False, "allow a character twice in a poem and a two-character sequence twice"),
    Option("rhyme_system", str, DEFAULT_RHYME_SYSTEM, "平水韵 (the classical default), 中华新韵 or 中华通韵: "
                                                      "rhyme groups and tones", choices=RHYME_SYSTEMS),
    Option("tones", str, None, "basic: rhyme words 平, other line ends 仄 (the default for 绝句 and 律诗); "
                               "strict: a whole 近体 template (粘对, no 孤平 or 三平尾)",
           choices=TONE_MODES, noun="tone strictness"),
    Option("beam", int, 0, "beam search of width K (0: sample)", low=0, high=32, metavar="K", noun="beam width"),
    Option("n", int, 1, "how many poems", low=1, high=32, flag="-n", noun="number of poems"),
    Option("temperature", float, 0.8, "sampling temperature: lower is safer, higher more surprising",
           low=0.05, high=3.0, step=0.05),
    Option("top_k", int, 40, "sample from the K likeliest tokens only (0: off)", low=0, high=500, metavar="K",
           noun="top-k"),
    Option("top_p", float, 0.95, "sample from the likeliest tokens that hold this share of the probability",
           low=0.05, high=1.0, step=0.05, metavar="P", noun="top-p"),
    Option("repetition_penalty", float, 1.1, "the penalty on characters and words already in the poem (1: off)",
           low=1.0, high=5.0),
    Option("max_tokens", int, 200, "the most tokens a poem may take", low=1, high=10_000),
    Option("seed", int, None, "random seed (printed with --json; default: random)", low=0, high=MAX_SEED),
)


def default(name: str):
    """The declared default of request option `name`."""
    return REQUEST_OPTIONS[name].default
