"""What a training run learnt, in the window's words: the training dialog's end report and the model
manager's "What it learnt" section show the same HTML, made from core.train.report.build_report's dict
(saved in the model's meta as "report"). Nothing here imports torch."""

from __future__ import annotations

import html
import math

from PySide6.QtCore import QCoreApplication

# (light theme, dark theme): readable on either background.
_VERDICT_COLOURS = {"learnt_style": ("#2e7d32", "#81c784"), "learnt_nothing": ("#c62828", "#ef9a9a"),
                    "memorised": ("#b26a00", "#ffb74d")}
MAX_REPORT_SAMPLES = 4


translate = QCoreApplication.translate  # lupdate finds translate("TrainingReport", …) calls by this name


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def verdict_text(report: dict) -> str:
    """The verdict in one plain sentence ("" when the report has none)."""
    verdict = report.get("verdict")
    base = str(report.get("base_model") or "")
    held, base_loss = _number(report.get("held_out_loss")), _number(report.get("base_held_out_loss"))
    if verdict == "learnt_style":
        if base and held is not None and base_loss is not None:
            gain = 100 * (1 - math.exp(held - base_loss))
            text = translate("TrainingReport", "It learnt your style: it predicts your poems {gain}% better per "
                                               "character than {base} did, and still writes like it.")
            return text.format(gain=f"{gain:.0f}", base=base)
        return translate("TrainingReport", "It learnt your style: it predicts your poems better than guessing by "
                                           "how often each character occurs.")
    if verdict == "learnt_nothing":
        if base:
            text = translate("TrainingReport", "It learnt nothing measurable from your poems: it scores them as "
                                               "{base} does, and writes as {base} does.")
            return text.format(base=base)
        return translate("TrainingReport", "It learnt nothing: it predicts your poems no better than guessing by "
                                           "how often each character occurs, so what it writes will be gibberish.")
    if verdict == "memorised":
        return translate("TrainingReport", "It mostly memorised your poems: many of the lines it writes are "
                                           "copied from them.")
    return ""


def advice_texts(report: dict) -> list[str]:
    texts = {
        "more_poems": translate("TrainingReport", "Give it more poems: a few thousand characters at least."),
        "more_time": translate("TrainingReport", "Give it more time: raise the time budget."),
        "fine_tune": translate("TrainingReport", "Fine-tune a model that already writes instead of training from "
                                                 "scratch."),
    }
    return [texts[key] for key in report.get("advice") or [] if key in texts]


def _loss(value: float | None) -> str:
    if value is None:
        return "–"
    return translate("TrainingReport", "{nats} nats/char").format(nats=f"{value:.3f}")


def report_html(report: dict | None, heading: bool = True) -> str:
    """The report as HTML: the verdict, the held-out losses side by side, the copied lines, what to try
    next and a few of the poems the model wrote. "" for no report (a model trained before reports)."""
    if not isinstance(report, dict) or not report.get("verdict"):
        return ""
    esc = html.escape
    parts = []
    if heading:
        title = translate("TrainingReport", "What the model learnt")
        parts.append(f"<h3>{esc(title)}</h3>")
    from poetpad.gui.charts import is_dark

    colours = _VERDICT_COLOURS.get(str(report.get("verdict")))
    colour = colours[1 if is_dark() else 0] if colours else ""
    style = f" style='color:{colour}'" if colour else ""
    parts.append(f"<p><b{style}>{esc(verdict_text(report))}</b></p>")

    held = _number(report.get("held_out_loss"))
    base_loss = _number(report.get("base_held_out_loss"))
    uniform = _number(report.get("uniform_loss"))
    poems = report.get("held_out_poems")
    if held is not None:
        where = (translate("TrainingReport", "Loss on %n of your poems it did not train on (lower is better):", "",
                           poems)
                 if isinstance(poems, int) and poems > 0 else
                 translate("TrainingReport", "Loss on held-out text from your poems (lower is better):"))
        rows = [(translate("TrainingReport", "The new model"), _loss(held))]
        if base_loss is not None:
            before = translate("TrainingReport", "{base}, before training").format(base=report.get("base_model"))
            rows.append((before, _loss(base_loss)))
        if uniform is not None:
            rows.append((translate("TrainingReport", "Guessing at random"), _loss(uniform)))
        parts.append(f"<p>{esc(where)}</p><table cellspacing='2'>" + "".join(
            f"<tr><td>{esc(label)}&nbsp;&nbsp;</td><td align='right'><b>{esc(value)}</b></td></tr>"
            for label, value in rows) + "</table>")
    share = _number(report.get("copied_share"))
    if share is not None:
        text = translate("TrainingReport", "Lines copied from your poems: {copied} of {lines} ({percent}%) in "
                                           "the sample poems.").format(
            copied=report.get("copied_lines", 0), lines=report.get("sample_lines", 0), percent=f"{100 * share:.0f}")
        parts.append(f"<p>{esc(text)}</p>")
    advice = advice_texts(report)
    if advice:
        title = translate("TrainingReport", "To do better:")
        parts.append(f"<p><b>{esc(title)}</b></p><ul>"
                     + "".join(f"<li>{esc(a)}</li>" for a in advice) + "</ul>")
    samples = [s for s in report.get("samples") or [] if isinstance(s, str) and s.strip()][:MAX_REPORT_SAMPLES]
    if samples:
        title = translate("TrainingReport", "Poems it wrote:")
        parts.append(f"<p><b>{esc(title)}</b></p>")
        parts.extend(f"<p>{esc(s.strip()).replace(chr(10), '<br>')}</p>" for s in samples)
    return "".join(parts)
