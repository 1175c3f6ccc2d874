"""What a finished run learnt: its held-out loss beside the base model's and guessing's, the share of
copied lines in what it writes, a verdict, advice and sample poems; and the report in plain sentences.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from poetpad.core.corpus import Corpus
from poetpad.core.decode import SampleSettings, sample
from poetpad.core.model import PoetLM
from poetpad.core.request_options import default
from poetpad.core.verse import Fingerprint, copied_lines
from poetpad.core.vocab import BOS_ID, PAD_ID, Vocab
from poetpad.errors import PoetPadError

if TYPE_CHECKING:
    from poetpad.core.train.loop import TrainResult

log = logging.getLogger(__name__)


def _unigram_loss(train_ids: np.ndarray, valid_ids: np.ndarray, size: int) -> float | None:
    """Nats per token on the held-out text of guessing by how often each token occurs in the training text
    (add-one smoothed): a model no better than this has learnt only which characters are common."""
    targets = valid_ids[1:]
    targets = targets[(targets != BOS_ID) & (targets != PAD_ID)]
    if not len(targets):
        return None
    counts = np.bincount(train_ids[(train_ids != BOS_ID) & (train_ids != PAD_ID)], minlength=size)[:size] + 1.0
    probs = counts / counts.sum()
    return float(-np.log(probs[targets]).mean())


def _report_samples(model: PoetLM, vocab: Vocab, corpus: Corpus, n: int, seed: int) -> list[str]:
    """`n` poems the trained model writes, each begun with the first token of one of the user's poems."""
    poems = corpus.poems
    tokens = sum(len(vocab.tokenize(p.text)) for p in poems[:200]) / max(1, min(200, len(poems)))
    settings = SampleSettings(temperature=default("temperature"), top_k=default("top_k"),
                              max_tokens=int(min(400, max(32, 1.5 * tokens))), seed=seed)
    out: list[str] = []
    for prime in sample_primes(corpus, vocab, n):
        try:
            out.append(sample(model.cpu(), vocab, prime, 1, settings)[0].text.strip())
        except PoetPadError as exc:  # a sample is a courtesy; the report does without it
            log.warning("report sample failed: %s", exc)
        settings = replace(settings, seed=settings.seed + 1)
    return [text for text in out if text]


# Verdicts, from the figures: see build_report.
LEARNT_STYLE, LEARNT_NOTHING, MEMORISED = "learnt_style", "learnt_nothing", "memorised"
MIN_GAIN = 0.01        # nats per character: less than this over the base (or over guessing by frequency) is nothing
COPIED_TOO_MUCH = 0.25  # a quarter of the lines it writes found in the user's poems: it mostly memorised them


def build_report(result: TrainResult, vocab: Vocab, corpus: Corpus, train_ids: np.ndarray,
                 valid_ids: np.ndarray, split: dict, base_name: str | None, seed: int = 0,
                 samples: int = 6) -> dict:
    """What the run learnt, in figures and plain words: the held-out loss of the new model next to the base
    model's (its step-0 validation) and to uniform guessing, the share of lines it writes that are copied
    from the user's poems, a few sample poems, a verdict and what to do about it."""
    held = result.best_valid_loss if len(valid_ids) > 1 else None
    base_loss = next((r.get("valid_loss") for r in result.history if r.get("step") == 0), None) \
        if base_name else None
    uniform = math.log(len(vocab))
    unigram = _unigram_loss(train_ids, valid_ids, len(vocab))
    texts = _report_samples(result.model, vocab, corpus, samples, seed)
    fp = Fingerprint.build(line for p in corpus.poems for line in p.text.split("\n"))
    lines = [line for text in texts for line in text.split("\n") if len(line.strip()) >= 4]
    copied = len(copied_lines(lines, fp))
    share = copied / len(lines) if lines else None
    if share is not None and share >= COPIED_TOO_MUCH:
        verdict = MEMORISED
    elif held is None:
        verdict = LEARNT_NOTHING if result.steps == 0 else LEARNT_STYLE
    elif base_loss is not None:
        verdict = LEARNT_STYLE if held <= base_loss - MIN_GAIN else LEARNT_NOTHING
    else:
        floor = unigram if unigram is not None else uniform
        verdict = LEARNT_STYLE if held <= floor - MIN_GAIN else LEARNT_NOTHING
    report = {
        "base_model": base_name,
        "held_out_loss": None if held is None else round(held, 4),
        "base_held_out_loss": None if base_loss is None else round(base_loss, 4),
        "uniform_loss": round(uniform, 4),
        "unigram_loss": None if unigram is None else round(unigram, 4),
        "held_out_poems": split.get("valid_poems"), "held_out_tokens": split.get("valid_tokens"),
        "verdict": verdict,
        "copied_share": None if share is None else round(share, 3),
        "copied_lines": copied, "sample_lines": len(lines),
        "samples": texts[:4], "sample_poems": len(texts),
        "chars": corpus.stats.chars, "steps": result.steps, "reason": result.reason,
    }
    report["advice"] = _advice(report)
    return report


def _advice(report: dict) -> list[str]:
    """What to try next, as keys the faces word themselves: more_poems, more_time, fine_tune, less_time."""
    verdict, base = report["verdict"], report["base_model"]
    advice = []
    if verdict == LEARNT_NOTHING:
        if report["chars"] < 20_000:
            advice.append("more_poems")
        if report["reason"] == "time_budget":
            advice.append("more_time")
        if base is None:
            advice.append("fine_tune")
    elif verdict == MEMORISED:
        advice.append("more_poems")
        if base is None:
            advice.append("fine_tune")
    return advice


_ADVICE_TEXT = {
    "more_poems": "give it more poems (a few thousand characters at least)",
    "more_time": "give it more time (--max-minutes)",
    "fine_tune": "fine-tune a model that already writes (the default, or --from MODEL) instead of training "
                 "from scratch",
}


def report_lines(report: dict) -> list[str]:
    """The report in plain English sentences (the CLI prints them; the window words its own)."""
    held, base, uniform = report.get("held_out_loss"), report.get("base_held_out_loss"), report.get("uniform_loss")
    poems = report.get("held_out_poems")
    where = f"{poems} of your poems it did not train on" if poems else "held-out text from your poems"
    lines = []
    if held is not None:
        figures = f"On {where}: {held:.3f} nats per character"
        if base is not None:
            figures += f", against {base:.3f} for {report['base_model']}"
        figures += f" and {uniform:.3f} for guessing at random (lower is better)."
        lines.append(figures)
    verdict = report.get("verdict")
    if verdict == LEARNT_STYLE:
        if base is not None and held is not None:
            lines.append(f"It learnt your style: it predicts your poems {100 * (1 - math.exp(held - base)):.0f}% "
                         f"better per character than {report['base_model']} did, and still writes like it.")
        else:
            lines.append("It learnt your style: it predicts your poems better than guessing by how often each "
                         "character occurs.")
    elif verdict == LEARNT_NOTHING:
        if base is not None:
            lines.append(f"It learnt nothing measurable from your poems: it scores them as {report['base_model']} "
                         f"does, and writes as {report['base_model']} does.")
        else:
            lines.append("It learnt nothing: it predicts your poems no better than guessing by how often each "
                         "character occurs, so what it writes will be gibberish.")
    elif verdict == MEMORISED:
        lines.append("It mostly memorised your poems: many of the lines it writes are copied from them.")
    share = report.get("copied_share")
    if share is not None:
        lines.append(f"Lines copied from your poems: {report['copied_lines']} of {report['sample_lines']} "
                     f"({100 * share:.0f}%) in {report.get('sample_poems')} sample poems.")
    advice = [_ADVICE_TEXT[key] for key in report.get("advice", []) if key in _ADVICE_TEXT]
    if advice:
        lines.append("To do better: " + "; ".join(advice) + ".")
    return lines


def epoch_samples(model: PoetLM, vocab: Vocab, primes: list[str], max_tokens: int, seed: int) -> list[str]:
    """What the model writes from each prime at a validation, shown with its figures."""
    out = []
    settings = SampleSettings(temperature=default("temperature"), top_k=default("top_k"),
                              max_tokens=max_tokens, seed=seed)
    for prime in primes:
        try:
            out.append(sample(model, vocab, prime, 1, settings)[0].text)
        except PoetPadError as exc:  # a sample is a courtesy; never stop training for it
            log.warning("sample failed: %s", exc)
    return out


def sample_primes(corpus: Corpus, vocab: Vocab, n: int) -> list[str]:
    """Openings for the per-epoch samples: the first token of a few poems, spread over the corpus."""
    primes: list[str] = []
    poems = corpus.poems
    for i in range(n):
        text = poems[(i * 7919) % len(poems)].text if poems else ""
        tokens = vocab.tokenize(text)
        primes.append(tokens[0] if tokens else "")
    return primes
