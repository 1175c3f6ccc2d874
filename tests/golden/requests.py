"""The golden requests: one of each kind of request PoetPad serves, run on the bundled models.

`python -m tests.golden.requests` records what they write today into answers.json; the test
(tests/core/test_golden.py) runs them again and compares token for token. Re-record only when a
change is meant to change the poems, and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANSWERS = HERE / "answers.json"
MODELS = HERE.parents[1] / "models"

# (name, model, options): make_request's options, or ("revise_char"/"revise_line", args) for a revision.
REQUESTS = [
    ("wujue", "chinese-classical", {"prefix": "春", "form": "5x4", "n": 2, "seed": 7}),
    ("qijue", "chinese-classical", {"prefix": "", "mode": "new", "form": "7x4", "n": 2, "seed": 11}),
    ("wulv_strict", "chinese-classical", {"prefix": "", "mode": "new", "form": "5x8", "tones": "strict",
                                          "n": 1, "seed": 3}),
    ("qilv", "chinese-classical", {"prefix": "秋风", "form": "7x8", "n": 1, "seed": 5}),
    ("first_line", "chinese-classical", {"prefix": "白日依山", "n": 3, "seed": 2}),
    ("next_line", "chinese-classical", {"prefix": "床前明月光，\n", "mode": "next", "n": 2, "seed": 4}),
    ("free", "chinese-classical", {"prefix": "夜", "form": "free:3", "n": 2, "seed": 9}),
    ("acrostic_beam", "chinese-classical", {"heads": "春夏秋冬", "mode": "acrostic", "form": "7x4", "beam": 4,
                                            "n": 2, "seed": 1}),
    ("acrostic_sampled", "chinese-classical", {"heads": "明月", "mode": "acrostic", "rhyme_system": "xinyun",
                                               "n": 2, "seed": 8}),
    ("keywords", "chinese-classical", {"prefix": "", "mode": "new", "form": "5x4", "keywords": "雁,霜",
                                       "n": 2, "seed": 6}),
    ("rewrite", "chinese-classical", {"mode": "rewrite", "n": 2, "seed": 12,
                                      "template": "床前明月光，\n□□□□□。\n举头望明月，\n□□□□□。"}),
    ("revise_char", "chinese-classical",
     ("revise_char", "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。", 2, 3, {"n": 4, "seed": 5})),
    ("revise_line", "chinese-classical",
     ("revise_line", "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。", 4, {"n": 2, "seed": 5})),
    ("sonnet", "english-shakespeare", {"prefix": "Shall I compare thee to a summer's day?\n", "form": "sonnet",
                                       "n": 1, "seed": 3}),
    ("quatrain", "english-shakespeare", {"prefix": "The quality of mercy", "form": "quatrain", "n": 2,
                                         "seed": 4}),
    ("limerick", "english-shakespeare", {"prefix": "", "mode": "new", "form": "limerick", "n": 1, "seed": 2}),
    ("english_free", "english-shakespeare", {"prefix": "When I", "mode": "line", "n": 2, "seed": 10}),
]


def run(name: str, model: str, options, bundles: dict) -> list[str]:
    """What the request writes: the candidates' texts (or the revision's alternatives)."""
    from poetpad.core import suggest

    bundle = bundles[model]
    if isinstance(options, tuple):
        kind, text, *where, extra = options
        found = getattr(suggest, kind)(bundle, text, *where, **extra)
        return [alt.text for alt in found.alternatives]
    return [s.text for s in suggest.suggest(bundle, suggest.make_request(**options), model)]


def load_bundles() -> dict:
    from poetpad.core import modelfile

    return {name: modelfile.load_model(MODELS / f"{name}.poetpad")
            for name in ("chinese-classical", "english-shakespeare")}


def main() -> int:
    import torch

    torch.set_num_threads(1)
    bundles = load_bundles()
    answers = {name: run(name, model, options, bundles) for name, model, options in REQUESTS}
    ANSWERS.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(answers, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
