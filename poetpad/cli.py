"""The `poetpad` command: the GUI by default, and train/generate/eval/models headless.

Nothing here imports torch at module level, so `--version` and `--help` stay fast.
Errors a user can act on print one line, `poetpad: error: …`, and exit 2; the
traceback of anything unexpected goes to the log file in the data dir.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import logging.handlers
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

from poetpad import __version__
from poetpad.core.options import Option
from poetpad.core.request_options import CONTINUING_MODES, REQUEST_OPTIONS
from poetpad.core.train.config import DEVICES
from poetpad.errors import PoetPadError

log = logging.getLogger("poetpad")
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but errors use the same one-line form and exit code as every other error."""

    def error(self, message: str) -> None:  # argparse override
        self.exit(EXIT_USAGE, f"poetpad: error: {message}\n")


# `poetpad eval`'s window: anything larger only exhausts memory.
_BLOCK = Option("block", int, 256, "block length in tokens", low=1, high=65_536)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="poetpad", description="PoetPad: an offline companion for writing poems.")
    parser.add_argument("--version", action="version", version=f"poetpad {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="check the app end to end offscreen (window, bundled model, training); prints JSON")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument("file", nargs="?", help="a poem document to open")

    _train_parser(sub)

    _generate_parser(sub)
    _revise_parser(sub)
    _check_parser(sub)
    _eval_parser(sub)
    _models_parser(sub)
    return parser


_GENERATE_OPTIONS = ("keywords", "form", "syllables", "rhyme_scheme", "rhyme", "rhyme_system", "tones", "rhyme_group",
                     "rhyme_first_line", "allow_repeat", "beam", "n", "temperature", "top_k", "top_p",
                     "repetition_penalty", "max_tokens", "seed")


def _generate_parser(sub) -> None:
    gen = sub.add_parser("generate", help="write poems with a model")
    gen.add_argument("--model", help="model name (default: one matching the prefix's language)")
    REQUEST_OPTIONS["prefix"].add_to(gen)
    replace(REQUEST_OPTIONS["mode"], choices=CONTINUING_MODES, default=None).add_to(
        gen, help="finish the current line, write the next line, or finish the poem (default: finish the poem, "
                  "planned as the window plans it: a --form the text does not fit gives way to the text's own)")
    REQUEST_OPTIONS["heads"].add_to(gen)
    for name in _GENERATE_OPTIONS:
        REQUEST_OPTIONS[name].add_to(gen)
    gen.add_argument("--device", choices=DEVICES, default="cpu")
    gen.add_argument("--json", action="store_true", help="print a JSON list")


def _revise_parser(sub) -> None:
    rev = sub.add_parser("revise", help="alternatives for one character or one line of a poem")
    rev.add_argument("file", help="a text file, or - for standard input")
    place = rev.add_mutually_exclusive_group(required=True)
    place.add_argument("--at", metavar="LINE:COL", help="the character to replace (both count from 1)")
    Option("line", int, None, "the line to rewrite (from 1)", low=1, metavar="N").add_to(place)
    replace(REQUEST_OPTIONS["n"], default=None).add_to(
        rev, help="how many alternatives (default 8 characters, 4 lines)")
    rev.add_argument("--model", help="model name (default: the best Chinese model)")
    REQUEST_OPTIONS["rhyme_system"].add_to(rev)
    REQUEST_OPTIONS["tones"].add_to(rev, help="as in generate (default basic)")
    REQUEST_OPTIONS["seed"].add_to(rev, help="random seed for line rewrites (default: random)")
    rev.add_argument("--device", choices=DEVICES, default="cpu")
    rev.add_argument("--json", action="store_true",
                     help='print {"original": {"text", "score"}, "alternatives": [{"text", "score", "char"|"line"}]}')


def _check_parser(sub) -> None:
    chk = sub.add_parser("check", help="check a written poem: form, rhyme, tones (Chinese), syllables, stress and "
                                       "rhyme scheme (English), and copied lines")
    chk.add_argument("file", help="a text file, or - for standard input")
    REQUEST_OPTIONS["form"].add_to(chk, help="the form to check against (default: detected)")
    REQUEST_OPTIONS["heads"].add_to(chk, default="")
    REQUEST_OPTIONS["keywords"].add_to(chk, default="", help="words the poem must contain, e.g. 雁,霜")
    chk.add_argument("--model", help="flag lines copied from this model's training text (default: by language)")
    REQUEST_OPTIONS["rhyme_system"].add_to(chk, default=REQUEST_OPTIONS["rhyme_system"].default)
    REQUEST_OPTIONS["tones"].add_to(chk, help="strict: a 格律 tone fault makes the poem not ok (default: basic, "
                                              "tone faults reported only)")
    chk.add_argument("--json", action="store_true")


def _eval_parser(sub) -> None:
    ev = sub.add_parser("eval", help="measure a model's loss on text")
    ev.add_argument("paths", nargs="+", metavar="PATH")
    ev.add_argument("--model", required=True)
    ev.add_argument("--raw", action="store_true", help="score each file as one running text, not as poems")
    _BLOCK.add_to(ev, default=_BLOCK.default)
    ev.add_argument("--device", choices=DEVICES, default="cpu")


def _models_parser(sub) -> None:
    models = sub.add_parser("models", help="list and manage models")
    msub = models.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, required=True)
    ls = msub.add_parser("list", help="list models")
    ls.add_argument("--json", action="store_true")
    show = msub.add_parser("show", help="a model's details as JSON")
    show.add_argument("name")
    imp = msub.add_parser("import", help="validate a .poetpad file and add it")
    imp.add_argument("file")
    imp.add_argument("--name", help="name it differently")
    exp = msub.add_parser("export", help="copy a model to a file")
    exp.add_argument("name")
    exp.add_argument("file")
    ren = msub.add_parser("rename", help="rename a user model")
    ren.add_argument("old")
    ren.add_argument("new")
    rm = msub.add_parser("delete", help="delete a user model")
    rm.add_argument("name")


# -- logging --------------------------------------------------------------------------------------


def _setup_logging() -> str | None:
    """Log to the data dir's logs/poetpad.log, or, where that cannot be written (a read-only data dir),
    quietly to a file in the system's temp folder, or nowhere. The path logged to, or None."""
    import tempfile
    from pathlib import Path

    from poetpad import paths

    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    for where in (lambda: paths.logs_dir() / "poetpad.log",
                  lambda: Path(tempfile.gettempdir()) / f"poetpad-{user}.log"):
        try:
            path = where()
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                                           encoding="utf-8", errors="backslashreplace")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        return str(path)
    return None


# -- train ----------------------------------------------------------------------------------------


def _bound_text(epochs: int | None, minutes: float | None) -> str:
    from poetpad.core.units import format_duration

    budget = format_duration(minutes * 60) if minutes else ""
    if epochs is None:
        return f"after {budget} of training"
    if not minutes:
        return f"after {epochs} epoch{'' if epochs == 1 else 's'}"
    return f"after {budget} of training or {epochs} epoch{'' if epochs == 1 else 's'}, whichever comes first"


class _TrainPrinter:
    """A progress bar on stderr (a line every few seconds when stderr is not a terminal)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last_line = 0.0
        self.valid = None
        self.epochs = None

    def _bar_end(self) -> None:
        if self.tty:
            self.stream.write("\n")

    def __call__(self, event) -> None:
        from poetpad.core.train.config import EvalDone, Note, StepProgress, TrainFinished, TrainStarted

        s = self.stream
        if isinstance(event, TrainStarted):
            where = event.device_name
            if event.world_size > 1:
                where = f"{event.world_size} processes, each on {where}"
            s.write(f"Training on {where}, {event.precision}, {event.softmax} softmax: {event.parameters:,} "
                    f"parameters, vocabulary {event.vocab_size:,}, {event.train_tokens:,} training and "
                    f"{event.valid_tokens:,} validation tokens, {event.steps_per_epoch} steps per epoch"
                    + (f", resuming at step {event.resumed_step}" if event.resumed_step else "") + ".\n")
            s.write(f"The run ends {_bound_text(event.epochs, event.max_minutes)}.\n")
            self.epochs = event.epochs
        elif isinstance(event, StepProgress):
            now = time.monotonic()
            if not self.tty and now - self.last_line < 5.0:
                return
            self.last_line = now
            width = 24
            filled = int(event.fraction * width)
            valid = f" valid {self.valid:.3f}" if self.valid is not None else ""
            from poetpad.core.units import format_duration

            epoch = f"epoch {event.epoch}/{event.epochs}" if event.epochs else f"epoch {event.epoch}"
            line = (f"{epoch} [{'#' * filled}{'.' * (width - filled)}] "
                    f"{event.fraction * 100:3.0f}% loss {event.train_loss:.3f}{valid} "
                    f"{event.tokens_per_s / 1000:.1f}k tok/s ETA {format_duration(event.eta_s)}")
            s.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
        elif isinstance(event, EvalDone):
            self.valid = event.valid_loss
            self._bar_end()
            mark = " (best)" if event.best else ""
            if event.step == 0:
                s.write(f"before training: valid {event.valid_loss:.4f} nats ({event.bits_per_char:.3f} bits, "
                        f"perplexity {event.perplexity:.2f})\n")
                s.flush()
                return
            s.write(f"epoch {event.epoch}: train {event.train_loss:.4f}, valid {event.valid_loss:.4f} nats "
                    f"({event.bits_per_char:.3f} bits, perplexity {event.perplexity:.2f}){mark}\n")
            for text in event.samples:
                s.write("    " + text.replace("\n", " / ")[:100] + "\n")
        elif isinstance(event, Note):
            self._bar_end()
            s.write(f"note: {event.text}\n")
        elif isinstance(event, TrainFinished):
            self._bar_end()
        s.flush()


# Options that shape a new network: given without --from, they ask for a model trained from scratch.
_SHAPE_OPTIONS = ("preset", "cell", "tokenizer", "min_freq", "embedding", "hidden", "layers", "dropout", "tied")


def _base_model(args: argparse.Namespace) -> str | None:
    """The model to fine-tune: --from's, none for --scratch or a new network's shape, else the bundled one
    of the poems' language (library.AUTO_BASE, resolved once the poems are read)."""
    from poetpad.core.library import AUTO_BASE

    if args.scratch and args.base:
        raise PoetPadError("Use either --from MODEL or --scratch, not both.")
    if args.base:
        shaped = [name for name in _SHAPE_OPTIONS if getattr(args, name) is not None]
        if shaped:
            option = "--" + shaped[0].replace("_", "-")
            raise PoetPadError(f"{option} shapes a new model, and a fine-tuned model keeps its base's shape; "
                               f"drop {option}, or use --scratch instead of --from.")
        return args.base
    if args.scratch or args.resume:
        return None
    shaped = [name for name in _SHAPE_OPTIONS if getattr(args, name) is not None]
    if shaped:
        option = "--" + shaped[0].replace("_", "-")
        print(f"note: {option} shapes a new model, so it is trained from scratch (drop it to fine-tune the "
              "bundled model instead).", file=sys.stderr)
        return None
    return AUTO_BASE


def _train_parser(sub) -> None:
    """The `train` subcommand: the run's options from their one declaration (core.train.config), and what
    only the command has: the poems, the name, where the run starts and how it reports."""
    from poetpad.core.train.config import OPTIONS

    tr = sub.add_parser("train", help="train a model on your poems")
    tr.add_argument("paths", nargs="+", metavar="PATH", help="text files, .md, chinese-poetry .json or folders")
    tr.add_argument("--name", required=True, help="name of the new model")
    for option in OPTIONS.values():
        option.add_to(tr, dest=option.name)
    tr.add_argument("--json", action="store_true",
                    help="print a JSON summary of the run as the last line of standard output")
    tr.add_argument("--from", dest="base", metavar="MODEL",
                    help="fine-tune this model (keeps its vocabulary); the default is the bundled model of the "
                         "poems' language")
    tr.add_argument("--scratch", action="store_true",
                    help="train a new model from nothing instead of fine-tuning; worth it from about a million "
                         "characters of poems")
    tr.add_argument("--resume", action="store_true", help="continue an interrupted run of --name")
    tr.add_argument("--fresh", action="store_true", help="discard an interrupted run of --name and start again")
    tr.add_argument("--simplify", action="store_true", help="convert traditional Chinese to simplified")
    tr.add_argument("--no-amp", action="store_true", help="no mixed precision (the same as --precision fp32)")


def _train_job(args: argparse.Namespace, base: str | None):
    """The TrainJob the arguments describe: the options given, and the declared defaults for the others."""
    from poetpad.core.train.config import JOB_OPTIONS, OPTIONS, TrainConfig
    from poetpad.core.train.job import TrainJob

    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if args.epochs is not None and args.max_minutes is None:
        given["max_minutes"] = None  # --epochs alone bounds the run by passes, not by the default minutes
    config = TrainConfig(amp=not args.no_amp, **{k: v for k, v in given.items() if k not in JOB_OPTIONS})
    return TrainJob(paths=args.paths, name=args.name, base_model=base, resume=args.resume, simplify=args.simplify,
                    fresh=args.fresh,  # under the run's lock, on rank 0 alone
                    config=config, **{k: v for k, v in given.items() if k in JOB_OPTIONS})


@contextlib.contextmanager
def _stop_on_signals(main: bool):
    """Ctrl+C, SIGTERM (a shutdown, kill, a job scheduler; torchrun passes a stop on as SIGTERM to every
    process, and sends it when one of them dies) and SIGHUP (the terminal closed) all stop after the
    batch and keep a checkpoint; under torchrun the processes stop together (a process whose partner
    is gone learns so there, and says so). Yields should_stop(); a second Ctrl+C quits at once."""
    stop = {"asked": False}

    def on_signal(signum, frame):
        if stop["asked"] and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if not stop["asked"] and main:
            again = " (Ctrl+C again to quit now)" if signum == signal.SIGINT else ""
            try:
                sys.stderr.write(f"\nStopping after this batch and saving a checkpoint{again}...\n")
            except (OSError, ValueError):  # SIGHUP: the terminal may be gone
                pass
        stop["asked"] = True

    previous = {sig: signal.signal(sig, on_signal)
                for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                if sig is not None}
    try:
        yield lambda: stop["asked"]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_stopped(args: argparse.Namespace, result, distributed: bool) -> None:
    """How far a stopped run got, and how to go on with it."""
    from poetpad.core.train.checkpoint import has_checkpoint

    how = ("the same torchrun command with --resume" if distributed else
           f"poetpad train {' '.join(args.paths)} --name {args.name} --resume")
    if result.checkpoint_step is None or not has_checkpoint(args.name):
        print(f"Stopped at step {result.steps}; no checkpoint could be written, so the run cannot be resumed.",
              file=sys.stderr)
    elif result.checkpoint_step != result.steps:
        print(f"Stopped at step {result.steps}; the last checkpoint is from step {result.checkpoint_step} (the "
              f"latest could not be written). Continue with: {how}", file=sys.stderr)
    else:
        print(f"Stopped at step {result.steps}. Continue with: {how}", file=sys.stderr)


def _print_saved(args: argparse.Namespace, result, path) -> None:
    """The saved model, its figures, what it learnt and a few of its poems."""
    from poetpad.core.train.report import report_lines
    from poetpad.core.units import format_duration

    out = sys.stderr if args.json else sys.stdout
    loss = f"{result.best_valid_loss:.4f}" if result.best_valid_loss is not None else "n/a"
    print(f"Saved model '{args.name}' to {path} ({result.reason.replace('_', ' ')}, {result.steps} steps, "
          f"{format_duration(result.seconds)}, {result.tokens_per_second:,.0f} tokens/s, best validation loss "
          f"{loss} nats/token).", file=out)
    if result.report:
        for line in report_lines(result.report):
            print(line, file=out)
        for text in result.report.get("samples", [])[:3]:
            print("    " + text.replace("\n", " / ")[:120], file=out)


def cmd_train(args: argparse.Namespace) -> int:
    from poetpad.core.train.distributed import FollowerError, torchrun_world_size
    from poetpad.core.train.job import train_model

    if args.resume and args.fresh:
        raise PoetPadError("Use either --resume or --fresh, not both.")
    job = _train_job(args, _base_model(args))
    # Under torchrun every process runs this command; rank 0 alone speaks, checkpoints and saves.
    distributed = torchrun_world_size() > 1
    main = not distributed or os.environ.get("RANK", "0") == "0"
    try:
        with _stop_on_signals(main) as should_stop:
            result, path = train_model(job, on_progress=_TrainPrinter() if main else None,
                                       should_stop=should_stop, distributed=distributed)
    except FollowerError:
        return EXIT_USAGE  # rank 0 says why
    if not main:
        return 130 if result.reason == "cancelled" else 0
    summary = dict(result.summary(), name=args.name, path=str(path) if path else None)
    if path is None:
        _print_stopped(args, result, distributed)
        if args.json:
            print(json.dumps(summary))
        return 130
    _print_saved(args, result, path)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0


# -- generate -------------------------------------------------------------------------------------


def _load(name: str | None, language: str | None, device: str):
    """The model called `name`, or the one library.choose_model picks for `language`, loaded on `device`."""
    from poetpad.core import library, modelfile
    from poetpad.core.device import resolve_device

    info = library.find(name) if name else library.choose_model(language)
    return info, modelfile.load_model(info.path, device=resolve_device(device))


def cmd_generate(args: argparse.Namespace) -> int:
    from poetpad.core.suggest import make_request, suggest

    mode, form = args.mode, args.form
    if mode is None:  # as the window plans it: finish the poem, in the form the text asks for
        mode, form = _planned(args.prefix, form, args.acrostic)
    options = {name: getattr(args, name) for name in _GENERATE_OPTIONS}
    request = make_request(**options | {"prefix": args.prefix, "mode": mode, "form": form, "heads": args.acrostic})
    request.validate()  # before a model is loaded: a bad request is told at once
    info, bundle = _load(args.model, request.language(), args.device)
    from poetpad.core.decode import reporting

    progress = _Progress("Writing")
    try:
        with reporting(progress):
            results = suggest(bundle, request, info.name)
    finally:
        progress.done()
    for note in dict.fromkeys(n for r in results for n in r.notes if n.startswith("The text before the cursor")):
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(r.text for r in results))
    return 0


def _planned(prefix: str | None, form: str | None, heads: str | None) -> tuple[str, str | None]:
    """The mode and form that core.plan gives a request to finish the poem: the window's plan for the
    same text. A --form the poem cannot take gives way to the text's own, with a note saying so."""
    from poetpad.core.plan import plan
    from poetpad.core.text import parse_form

    parse_form(form)  # an unknown form is the one-line error it is with --mode ("auto" is the window's word)
    planned = plan("poem", form or "auto", heads or "", prefix or "", write=True)
    if "form_mismatch" in planned.reasons:
        print(f"note: the poem so far is not a {form}, so its form follows the text.", file=sys.stderr)
    return planned.mode, planned.form


class _Progress:
    """A line on stderr for a long job: what it does, how far, and for how long. On a terminal it shows
    after two seconds and is rewritten in place, then cleared; otherwise (a log, a pipe) a line every ten
    seconds once the job has run ten, so quick runs leave stderr empty."""

    def __init__(self, what: str, stream=None, after: float | None = None):
        self.what = what
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.after = after if after is not None else (2.0 if self.tty else 10.0)
        self.last = 0.0
        self.shown = False

    def __call__(self, step: int, steps: int) -> None:
        now = time.monotonic()
        if now - self.start < self.after or now - self.last < (0.5 if self.tty else 10.0):
            return
        self.last = now
        line = f"{self.what}… token {step + 1:,} of at most {steps:,}, {now - self.start:.0f} s"
        try:
            self.stream.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            return
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            try:
                self.stream.write("\r\x1b[K")
            except (OSError, ValueError):
                pass


def _place(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(-?\d+)\s*:\s*(-?\d+)\s*", text)
    if not match:
        raise PoetPadError(f"--at takes LINE:COL, such as 2:4, not '{text}'.")
    return int(match.group(1)), int(match.group(2))


def cmd_revise(args: argparse.Namespace) -> int:
    from poetpad.core.corpus import read_text
    from poetpad.core.suggest import revise_char, revise_line

    text = sys.stdin.read() if args.file == "-" else read_text(args.file)
    if not text.strip():
        raise PoetPadError("There is no poem to revise: the text is empty.")
    options = {"rhyme_system": args.rhyme_system, "tones": args.tones, "seed": args.seed}
    at = _place(args.at) if args.at else None
    info, bundle = _load(args.model, "zh", args.device)
    if at is not None:
        found = revise_char(bundle, text, *at, n=args.n or 8, **options)
    else:
        found = revise_line(bundle, text, args.line, n=args.n or 4, **options)
    if args.json:
        print(json.dumps(found.to_dict() | {"model": info.name}, ensure_ascii=False, indent=1))
        return 0
    print(f"original  {found.original.score:+.3f}  {found.original.text.replace(chr(10), ' ')}")
    for i, alt in enumerate(found.alternatives, start=1):
        change = alt.char or alt.line
        print(f"{i:2}. {change}  {alt.score:+.3f}  {alt.text.replace(chr(10), ' ')}")
    if not found.alternatives:
        print("No alternative keeps the form, the tones and the rhyme here.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from poetpad.core import library, modelfile
    from poetpad.core.corpus import read_text
    from poetpad.core.prosody_zh import RHYME_FAULTS, SYSTEM_NAMES
    from poetpad.core.suggest import make_request
    from poetpad.core.verse import check_poem, tone_note

    text = sys.stdin.read() if args.file == "-" else read_text(args.file)
    if not text.strip():
        raise PoetPadError("There is no poem to check: the text is empty.")
    fingerprint, model_name = None, None
    try:  # copied-line flags need a model's fingerprint; without any model the other checks still run
        info = library.find(args.model) if args.model else library.default_model(text)
        fingerprint = modelfile.load_model(info.path).fingerprint()
        model_name = info.name
    except PoetPadError:
        if args.model:
            raise
    system, tone_mode = args.rhyme_system, args.tones or "basic"
    check = check_poem(text.strip(), form=args.form, heads=args.acrostic or None, fingerprint=fingerprint,
                       system=system, keywords=make_request(keywords=args.keywords).keyword_list,
                       tone_mode=tone_mode)
    if args.json:
        print(json.dumps(check.to_dict() | {"fingerprint_model": model_name, "tone_note": tone_note(system)},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"form: {check.form}")
    print(f"verdict: {'ok' if check.ok else 'not ok: see the problems below'}")
    for i, line in enumerate(check.lines, start=1):
        marks = []
        if check.rhymes[i - 1]:
            marks.append("rhymes")
        if line.unknown:
            marks.append(f"estimated: {', '.join(line.unknown)}")
        if i - 1 in check.copied_lines:
            marks.append(f"copied from {model_name}'s training text")
        tones = f"  {line.tones}" if line.tones else ""
        if line.syllables is not None:  # English: rhyme letter, syllables and stress
            tones = f"  {check.scheme[i - 1]}  {line.syllables} syllables  {line.stress or '-'}"
        print(f"{i:2}. {line.text}{tones}{'  [' + ', '.join(marks) + ']' if marks else ''}")
    if check.scheme:
        print(f"rhyme scheme: {check.scheme}")
    if check.rhyme_group:
        print(f"rhyme group: {check.rhyme_group} ({SYSTEM_NAMES[system]})")
    if check.template:
        print(f"template: {check.template}")
    for problem in check.problems:
        print(f"- {problem}")
    _print_tone_faults([fault["message"] for fault in check.faults if fault["kind"] not in RHYME_FAULTS], tone_mode)
    if any(line.tones for line in check.lines):
        print(f"note: 平 or 仄 per character, ? for either, · for unknown. {tone_note(system)}")
    if check.scheme:
        print("note: syllables and stress (1 primary, 2 secondary, 0 unstressed) are the CMU Pronouncing "
              "Dictionary's first pronunciation of each word; words it lacks are estimated from their spelling "
              "and never rhyme (x: the line's last word is one of them).")
    return 0


def _print_tone_faults(messages: list[str], tone_mode: str) -> None:
    """The 格律 tone faults (the rhyme faults are among the problems already): they count under strict
    tones only."""
    if messages:
        print("tone faults (counted: --tones strict):" if tone_mode == "strict" else
              "tone faults (reported, not counted against the verdict; --tones strict counts them):")
        for message in messages:
            print(f"- {message}")


# -- eval -----------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    import math

    import numpy as np

    from poetpad.core.corpus import load_corpus, read_text
    from poetpad.core.train.data import evaluate_stream
    from poetpad.core.vocab import UNK_ID

    info, bundle = _load(args.model, None, args.device)
    vocab = bundle.vocab
    if args.raw:
        texts = [read_text(p) for p in args.paths]
        ids = np.concatenate([vocab.encode(tx) for tx in texts])
        chars = sum(len(tx) for tx in texts) - len(texts)
    else:
        corpus = load_corpus(args.paths)
        poems = [p.text for p in corpus.poems]
        ids = vocab.encode_poems(poems)
        chars = sum(len(p) + 1 for p in poems)  # each poem's characters and its ending
    if len(ids) < 2:
        raise PoetPadError("The text is too short to evaluate.")
    device = next(bundle.model.parameters()).device
    total, count = evaluate_stream(bundle.model, ids, args.block, 64, device)
    # Per character, so character and word models compare: the same text's summed loss over its characters.
    per_char = total / max(1, chars if vocab.kind == "word" else count)
    unknown = int((ids == UNK_ID).sum())
    print(json.dumps({"model": info.name, "loss_nats_per_char": round(per_char, 5),
                      "bits_per_char": round(per_char / math.log(2), 5),
                      "perplexity": round(math.exp(min(per_char, 50)), 4), "chars": int(chars),
                      "tokens": int(count), "loss_nats_per_token": round(total / max(1, count), 5),
                      "unknown_tokens": unknown}, indent=1))
    return 0


# -- models ---------------------------------------------------------------------------------------


def cmd_models(args: argparse.Namespace) -> int:
    from poetpad.core import library

    if args.action == "list":
        infos = library.list_models()
        if args.json:
            print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=1))
        elif not infos:
            print("No models yet. Train one with: poetpad train PATH --name NAME")
        else:
            print(f"{'NAME':24} {'LANG':4} {'KIND':16} {'PARAMS':>10} {'SIZE':>9} {'VALID':>7}  SOURCE")
            for i in infos:
                kind = f"{i.tokenizer} {i.cell} {i.layers}x{i.hidden}"
                loss = f"{i.valid_loss:.3f}" if i.valid_loss is not None else "-"
                print(f"{i.name:24} {i.language:4} {kind:16} {i.parameters:>10,} "
                      f"{i.file_size / 1e6:>7.1f}MB {loss:>7}  {'bundled' if i.bundled else 'user'}")
    elif args.action == "show":
        info = library.find(args.name)
        print(json.dumps(info.to_dict() | {"meta": info.meta}, ensure_ascii=False, indent=1))
    elif args.action == "import":
        info = library.import_model(args.file, args.name)
        print(f"Imported '{info.name}'.")
    elif args.action == "export":
        path = library.export_model(args.name, args.file)
        print(f"Exported '{args.name}' to {path}.")
    elif args.action == "rename":
        library.rename_model(args.old, args.new)
        print(f"Renamed '{args.old}' to '{args.new}'.")
    elif args.action == "delete":
        library.delete_model(args.name)
        print(f"Deleted '{args.name}'.")
    return 0


# -- gui --------------------------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from poetpad.gui.app import run_app
    except ImportError:
        print("The PoetPad window is coming soon. Meanwhile, a poem from the default model:\n")
        try:
            return cmd_generate(build_parser().parse_args(["generate", "--prefix", "春"]))
        except PoetPadError as exc:
            print(exc)
            return 0
    return run_app(args.file)


COMMANDS = {"train": cmd_train, "generate": cmd_generate, "revise": cmd_revise, "check": cmd_check,
            "eval": cmd_eval, "models": cmd_models, "gui": cmd_gui}


def _escape_unencodable_output() -> None:
    """Text the terminal's encoding cannot show (a lone surrogate from a damaged file, Chinese on an ASCII
    console) is written escaped (\\udcff), never a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: Sequence[str] | None = None) -> int:
    _escape_unencodable_output()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        argv = ["gui", *argv]  # `poetpad` and `poetpad FILE` open the app
    args = parser.parse_args(argv)
    if args.smoke_test:
        from poetpad.gui.smoke import run_smoke_test

        return run_smoke_test()
    if args.command is None:
        args = parser.parse_args(["gui"])
    log_path = _setup_logging()
    try:
        return COMMANDS[args.command](args)
    except PoetPadError as exc:
        log.info("error: %s", exc)
        print(f"poetpad: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("poetpad: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: keep the traceback out of the user's face
        log.exception("unexpected error")
        where = f"; details are in {log_path}" if log_path else ""
        print(f"poetpad: error: unexpected {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return 1
