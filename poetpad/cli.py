"""The `poetpad` command: the GUI by default, and train/generate/eval/models headless.

Nothing here imports torch at module level, so `--version` and `--help` stay fast.
Errors a user can act on print one line, `poetpad: error: …`, and exit 2; the
traceback of anything unexpected goes to the log file in the data dir.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import os
import re
import signal
import sys
import time
from collections.abc import Sequence

from poetpad import __version__
from poetpad.errors import PoetPadError

log = logging.getLogger("poetpad")
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but errors use the same one-line form and exit code as every other error."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse override
        self.exit(EXIT_USAGE, f"poetpad: error: {message}\n")


def _number(kind: type, minimum: float, inclusive: bool, noun: str, bound: str, maximum: float | None = None):
    """An argparse type: parse `kind`, then require it at least (or above) `minimum`, and at most `maximum`.
    Whatever is typed, a value out of range is the one-line usage error, never a crash further on."""

    def convert(text: str):
        try:
            value = kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"'{text[:40]}' is not {noun}") from None
        if not (value >= minimum if inclusive else value > minimum):  # NaN fits neither
            raise argparse.ArgumentTypeError(f"{text[:40]} {bound}")
        if maximum is not None and not value <= maximum:
            raise argparse.ArgumentTypeError(f"{text[:40]} is more than {maximum:,}")
        return value

    return convert


def _whole(minimum: int, maximum: int):
    bound = "is not at least 1" if minimum == 1 else "is negative" if minimum == 0 else f"is less than {minimum:,}"
    return _number(int, minimum, True, "a whole number", bound, maximum)


def _between(minimum: float, maximum: float, inclusive: bool = False):
    bound = f"is not {'at least' if inclusive else 'above'} {minimum:g}"
    return _number(float, minimum, inclusive, "a number", bound, maximum)


MAX_SEED = 2**31 - 1  # core.suggest's: every seed a request takes
_positive_int = _whole(1, 10**9)
_nonneg_int = _whole(0, 10**9)
_positive_float = _between(0.0, 10**9)
_seed = _number(int, 0, True, "a whole number", "is negative", MAX_SEED)
_size = _whole(1, 65_536)      # sizes of a model or a batch: anything larger only exhausts memory
_minutes = _between(0.0, 10**7)
_rate = _between(0.0, 1.0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="poetpad", description="PoetPad: an offline companion for writing poems.")
    parser.add_argument("--version", action="version", version=f"poetpad {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="check the app end to end offscreen (window, bundled model, training); prints JSON")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument("file", nargs="?", help="a poem document to open")

    tr = sub.add_parser("train", help="train a model on your poems")
    tr.add_argument("paths", nargs="+", metavar="PATH", help="text files, .md, chinese-poetry .json or folders")
    tr.add_argument("--name", required=True, help="name of the new model")
    tr.add_argument("--preset", choices=("seed", "small", "medium", "large"),
                    help="the size of a new model (default small); it implies --scratch")
    tr.add_argument("--cell", choices=("lstm", "gru"))
    tr.add_argument("--tokenizer", choices=("char", "word"), help="a new model's tokens (default char)")
    tr.add_argument("--min-freq", type=_positive_int, help="drop tokens rarer than this (word default 2)")
    tr.add_argument("--embedding", type=_whole(1, 16_384), help="override the preset's embedding size")
    tr.add_argument("--hidden", type=_whole(1, 16_384), help="override the preset's hidden size")
    tr.add_argument("--layers", type=_whole(1, 64), help="override the preset's layer count")
    tr.add_argument("--dropout", type=float, help="override the preset's dropout")
    tr.add_argument("--tied", action=argparse.BooleanOptionalAction, default=None,
                    help="share the embedding with the output layer (override the preset's choice)")
    tr.add_argument("--softmax", choices=("auto", "full", "adaptive"), default="auto",
                    help="the output layer: adaptive is several times faster for large vocabularies "
                         "(auto: adaptive from 2,000 tokens on); fine-tuning keeps the base model's")
    tr.add_argument("--epochs", type=_positive_int,
                    help="stop after this many passes over the poems (default: none; the time budget bounds the run)")
    tr.add_argument("--max-minutes", type=_minutes,
                    help="stop after this much training time (default 5 minutes when --epochs is not given)")
    tr.add_argument("--batch", type=_size, default=64,
                    help="windows per step (under torchrun: over all processes together)")
    tr.add_argument("--seq-len", type=_size, default=256)
    tr.add_argument("--lr", type=_rate, help="learning rate (default: 1e-3 to fine-tune, 3e-3 from scratch)")
    tr.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    tr.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                    help="auto: bf16 on a CPU with AMX or AVX512-BF16 and on CUDA, fp32 elsewhere; weights, "
                         "optimiser and validation stay fp32")
    tr.add_argument("--threads", type=_whole(1, 4096),
                    help="CPU threads (default: every core this process may use, shared among torchrun's "
                         "processes on the machine)")
    tr.add_argument("--patience", type=_positive_int, default=3,
                    help="validations without improvement before stopping early (default 3)")
    tr.add_argument("--checkpoint-minutes", type=_minutes, default=2.0,
                    help="minutes between checkpoints, counted from the last one (default 2); one is also written "
                         "when the run stops (Ctrl+C, SIGTERM, SIGHUP) and before the model is saved")
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
    tr.add_argument("--seed", type=_seed, default=1234)
    tr.add_argument("--no-amp", action="store_true", help="no mixed precision (the same as --precision fp32)")

    gen = sub.add_parser("generate", help="write poems with a model")
    gen.add_argument("--model", help="model name (default: one matching the prefix's language)")
    gen.add_argument("--prefix", default="", help="the text to continue (the text before the cursor)")
    gen.add_argument("--mode", choices=("line", "next", "poem"), default="poem",
                     help="finish the current line, write the next line, or finish the poem (default)")
    gen.add_argument("--acrostic", metavar="HEADS", default="", help="藏头诗: the first character of each line")
    gen.add_argument("--keywords", metavar="WORDS", default="",
                     help="words every poem contains, e.g. 雁,霜 (one to four, of one or two characters)")
    gen.add_argument("--form", help="5x4, 7x4, 5x8, 7x8; sonnet, quatrain, couplet, couplets:N, blank, blank:N, "
                                    "limerick; free or free:N (default: from the prefix or heads)")
    gen.add_argument("--syllables", type=_whole(1, 100), help="English: syllables a line (one more allowed: a feminine "
                                                            "ending); default 10 for the metered forms")
    gen.add_argument("--rhyme-scheme", metavar="LETTERS", default="",
                     help="English: one letter a line, e.g. ABAB (x: unrhymed); overrides the form's")
    gen.add_argument("--rhyme", action=argparse.BooleanOptionalAction, default=None,
                     help="even lines share a rhyme group, on 平; on by default except for free forms")
    gen.add_argument("--rhyme-system", choices=("pingshui", "xinyun", "tongyun"), default="pingshui",
                     help="平水韵 (the classical default), 中华新韵 or 中华通韵: rhyme groups and tones")
    gen.add_argument("--tones", choices=("off", "basic", "strict"),
                     help="basic: rhyme words 平, other line ends 仄 (the default for 绝句 and 律诗); "
                          "strict: a whole 近体 template (粘对, no 孤平 or 三平尾)")
    gen.add_argument("--rhyme-group", help="fix the rhyme group, e.g. 十唐")
    gen.add_argument("--rhyme-first-line", action="store_true", help="line 1 rhymes too")
    gen.add_argument("--allow-repeat", action="store_true",
                     help="allow a character twice in a poem and a two-character sequence twice")
    gen.add_argument("--beam", type=_whole(0, 64), default=0, help="beam search of width K (default: sample)")
    gen.add_argument("-n", type=_whole(1, 256), default=1, help="how many poems")
    gen.add_argument("--temperature", type=_between(0.01, 5.0, inclusive=True), help="0.01 to 5 (default 0.8)")
    gen.add_argument("--top-k", type=_nonneg_int, help="0 is off (default 40)")
    gen.add_argument("--top-p", type=_between(0.01, 1.0, inclusive=True), help="0.01 to 1 (default 0.95)")
    gen.add_argument("--repetition-penalty", type=_between(1.0, 5.0, inclusive=True), help="1 is off (default 1.1)")
    gen.add_argument("--max-tokens", type=_whole(1, 10_000), default=200)
    gen.add_argument("--seed", type=_seed, help="random seed (printed with --json; default: random)")
    gen.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu")
    gen.add_argument("--json", action="store_true", help="print a JSON list")

    rev = sub.add_parser("revise", help="alternatives for one character or one line of a poem")
    rev.add_argument("file", help="a text file, or - for standard input")
    place = rev.add_mutually_exclusive_group(required=True)
    place.add_argument("--at", metavar="LINE:COL", help="the character to replace (both count from 1)")
    place.add_argument("--line", type=_positive_int, metavar="N", help="the line to rewrite (from 1)")
    rev.add_argument("-n", type=_whole(1, 256), help="how many alternatives (default 8 characters, 4 lines)")
    rev.add_argument("--model", help="model name (default: the best Chinese model)")
    rev.add_argument("--rhyme-system", choices=("pingshui", "xinyun", "tongyun"), default="pingshui")
    rev.add_argument("--tones", choices=("off", "basic", "strict"), help="as in generate (default basic)")
    rev.add_argument("--seed", type=_seed, help="random seed for line rewrites (default: random)")
    rev.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu")
    rev.add_argument("--json", action="store_true",
                     help='print {"original": {"text", "score"}, "alternatives": [{"text", "score", "char"|"line"}]}')

    chk = sub.add_parser("check", help="check a written poem: form, rhyme, tones (Chinese), syllables, stress and "
                                       "rhyme scheme (English), and copied lines")
    chk.add_argument("file", help="a text file, or - for standard input")
    chk.add_argument("--form", help="the form to check against (default: detected)")
    chk.add_argument("--acrostic", metavar="HEADS", default="")
    chk.add_argument("--model", help="flag lines copied from this model's training text (default: by language)")
    chk.add_argument("--rhyme-system", choices=("pingshui", "xinyun", "tongyun"), default="pingshui",
                     help="平水韵 (the classical default), 中华新韵 or 中华通韵: rhyme groups and tones")
    chk.add_argument("--json", action="store_true")

    ev = sub.add_parser("eval", help="measure a model's loss on text")
    ev.add_argument("paths", nargs="+", metavar="PATH")
    ev.add_argument("--model", required=True)
    ev.add_argument("--raw", action="store_true", help="score each file as one running text, not as poems")
    ev.add_argument("--block", type=_size, default=256, help="block length in tokens")
    ev.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu")

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
    return parser


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
        from poetpad.core import train as t

        s = self.stream
        if isinstance(event, t.TrainStarted):
            where = event.device_name
            if event.world_size > 1:
                where = f"{event.world_size} processes, each on {where}"
            s.write(f"Training on {where}, {event.precision}, {event.softmax} softmax: {event.parameters:,} "
                    f"parameters, vocabulary {event.vocab_size:,}, {event.train_tokens:,} training and "
                    f"{event.valid_tokens:,} validation tokens, {event.steps_per_epoch} steps per epoch"
                    + (f", resuming at step {event.resumed_step}" if event.resumed_step else "") + ".\n")
            s.write(f"The run ends {_bound_text(event.epochs, event.max_minutes)}.\n")
            self.epochs = event.epochs
        elif isinstance(event, t.StepProgress):
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
        elif isinstance(event, t.EvalDone):
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
        elif isinstance(event, t.Note):
            self._bar_end()
            s.write(f"note: {event.text}\n")
        elif isinstance(event, t.TrainFinished):
            self._bar_end()
        s.flush()


# Options that shape a new network: given without --from, they ask for a model trained from scratch.
_SHAPE_OPTIONS = ("preset", "cell", "tokenizer", "min_freq", "embedding", "hidden", "layers", "dropout", "tied")


def _base_model(args: argparse.Namespace) -> str | None:
    """The model to fine-tune: --from's, none for --scratch or a new network's shape, else the bundled one
    of the poems' language (core.train.AUTO_BASE, resolved once the poems are read)."""
    from poetpad.core import train as t

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
    return t.AUTO_BASE


def cmd_train(args: argparse.Namespace) -> int:
    from poetpad.core import train as t

    if args.resume and args.fresh:
        raise PoetPadError("Use either --resume or --fresh, not both.")
    if args.dropout is not None and not 0 <= args.dropout < 1:
        raise PoetPadError("--dropout must be at least 0 and below 1.")
    base = _base_model(args)
    # A budget a person understands: minutes by default; --epochs alone bounds the run by passes instead.
    minutes = args.max_minutes if args.max_minutes is not None or args.epochs is not None else t.DEFAULT_MINUTES
    config = t.TrainConfig(epochs=args.epochs, batch_size=args.batch, seq_len=args.seq_len, lr=args.lr,
                           max_minutes=minutes, device=args.device, seed=args.seed, amp=not args.no_amp,
                           precision=args.precision, threads=args.threads,
                           checkpoint_minutes=args.checkpoint_minutes, patience=args.patience)
    job = t.TrainJob(paths=args.paths, name=args.name, preset=args.preset or "small", cell=args.cell,
                     tokenizer=args.tokenizer or "char", min_freq=args.min_freq, embedding=args.embedding,
                     hidden=args.hidden, layers=args.layers, dropout=args.dropout, tied=args.tied,
                     softmax=args.softmax, base_model=base, resume=args.resume, simplify=args.simplify,
                     fresh=args.fresh,  # under the run's lock, on rank 0 alone
                     config=config)
    # Under torchrun every process runs this command; rank 0 alone speaks, checkpoints and saves.
    distributed = t.torchrun_world_size() > 1
    main = not distributed or os.environ.get("RANK", "0") == "0"
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

    # Ctrl+C, SIGTERM (a shutdown, kill, a job scheduler; torchrun passes a stop on as SIGTERM to every
    # process, and sends it when one of them dies) and SIGHUP (the terminal closed) all stop after the
    # batch and keep a checkpoint; under torchrun the processes stop together (a process whose partner
    # is gone learns so there, and says so).
    previous = {sig: signal.signal(sig, on_signal)
                for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                if sig is not None}
    try:
        result, path = t.train_model(job, on_progress=_TrainPrinter() if main else None,
                                     should_stop=lambda: stop["asked"], distributed=distributed)
    except t.FollowerError:
        return EXIT_USAGE  # rank 0 says why
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not main:
        return 130 if result.reason == "cancelled" else 0
    summary = dict(result.summary(), name=args.name, path=str(path) if path else None)
    if path is None:
        how = ("the same torchrun command with --resume" if distributed else
               f"poetpad train {' '.join(args.paths)} --name {args.name} --resume")
        if result.checkpoint_step is None or not t.has_checkpoint(args.name):
            print(f"Stopped at step {result.steps}; no checkpoint could be written, so the run cannot be resumed.",
                  file=sys.stderr)
        elif result.checkpoint_step != result.steps:
            print(f"Stopped at step {result.steps}; the last checkpoint is from step {result.checkpoint_step} (the "
                  f"latest could not be written). Continue with: {how}", file=sys.stderr)
        else:
            print(f"Stopped at step {result.steps}. Continue with: {how}", file=sys.stderr)
        if args.json:
            print(json.dumps(summary))
        return 130
    from poetpad.core.units import format_duration

    loss = f"{result.best_valid_loss:.4f}" if result.best_valid_loss is not None else "n/a"
    print(f"Saved model '{args.name}' to {path} ({result.reason.replace('_', ' ')}, {result.steps} steps, "
          f"{format_duration(result.seconds)}, {result.tokens_per_second:,.0f} tokens/s, best validation loss "
          f"{loss} nats/token).", file=sys.stderr if args.json else sys.stdout)
    if result.report:
        out = sys.stderr if args.json else sys.stdout
        for line in t.report_lines(result.report):
            print(line, file=out)
        for text in result.report.get("samples", [])[:3]:
            print("    " + text.replace("\n", " / ")[:120], file=out)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0


# -- generate -------------------------------------------------------------------------------------


def _load(name: str | None, language: str | None, device: str):
    """The model called `name`, or the one library.choose_model picks for `language`, loaded on `device`."""
    from poetpad.core import library, modelfile
    from poetpad.core.train import resolve_device

    info = library.find(name) if name else library.choose_model(language)
    return info, modelfile.load_model(info.path, device=resolve_device(device))


def cmd_generate(args: argparse.Namespace) -> int:
    from poetpad.core.suggest import make_request, suggest

    request = make_request(
        prefix=args.prefix, mode=args.mode, form=args.form, heads=args.acrostic, keywords=args.keywords,
        rhyme=args.rhyme,
        rhyme_system=args.rhyme_system, tones=args.tones, rhyme_group=args.rhyme_group,
        rhyme_first_line=args.rhyme_first_line, allow_repeat=args.allow_repeat, syllables=args.syllables,
        rhyme_scheme=args.rhyme_scheme,
        beam=args.beam, n=args.n, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
        repetition_penalty=args.repetition_penalty, max_tokens=args.max_tokens, seed=args.seed)
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
    from poetpad.core.verse import RHYME_FAULTS, SYSTEM_NAMES, check_poem, tone_note

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
    system = args.rhyme_system
    check = check_poem(text.strip(), form=args.form, heads=args.acrostic or None, fingerprint=fingerprint,
                       system=system)
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
    tone_faults = [fault["message"] for fault in check.faults if fault["kind"] not in RHYME_FAULTS]
    if tone_faults:  # the rhyme faults are among the problems already; tone faults count under strict tones only
        print("tone faults (reported, not counted against the verdict):")
        for message in tone_faults:
            print(f"- {message}")
    if any(line.tones for line in check.lines):
        print(f"note: 平 or 仄 per character, ? for either, · for unknown. {tone_note(system)}")
    if check.scheme:
        print("note: syllables and stress (1 primary, 2 secondary, 0 unstressed) are the CMU Pronouncing "
              "Dictionary's first pronunciation of each word; words it lacks are estimated from their spelling "
              "and never rhyme (x: the line's last word is one of them).")
    return 0


# -- eval -----------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    import math

    import numpy as np

    from poetpad.core.corpus import load_corpus, read_text
    from poetpad.core.train import evaluate_stream
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
        from poetpad.gui.app import run_app  # noqa: F401  (issue 5 adds the GUI)
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
