"""The bundled models: file size, load time, generation latency and sample output.

    python benchmarks/bundled_models.py [--samples 20] [--seed 1] [--out bundled.json]

Prints one JSON object per model in models/. Load time is `modelfile.load_model` on CPU
(torch already imported): the first load in the process and the median of five more.
Latency is the wall time of a beam-8 7x4 acrostic (Chinese) or a sampled line (English).
With --samples N it also writes N acrostics and N continuations per model, each checked
with verse.check_poem, for reading by eye (MODELS.md quotes some).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from poetpad.core import modelfile
from poetpad.core.decode import Request, SampleSettings, generate
from poetpad.core.forms import Spec
from poetpad.core.text import parse_form, split_lines
from poetpad.core.verse import check_poem

REPO_ROOT = Path(__file__).resolve().parents[1]

# Four-character heads of the kind people ask for: set phrases, seasons, wishes, a name.
ZH_HEADS = ["春江花月", "山高水长", "风花雪月", "天长地久", "海阔天空", "白云深处", "明月清风", "秋水长天",
            "万里长城", "一帆风顺", "春夏秋冬", "琴棋书画", "梅兰竹菊", "金玉满堂", "花好月圆", "岁月静好",
            "前程似锦", "青山绿水", "江南烟雨", "故乡明月"]
ZH_PREFIXES = ["春风", "白日依山尽，", "孤舟蓑笠翁，", "两岸青山相对出，", "独上高楼望", "秋风萧瑟",
               "明月松间照，", "落花时节又逢君，", "江上往来人，", "夜雨", "长安一片月，", "故人西辞黄鹤楼，",
               "空山新雨后，", "人闲桂花落，", "清明时节雨纷纷，", "千山鸟飞绝，", "山中相送罢，", "寒雨连江夜入吴，",
               "草色青青", "烟笼寒水月笼沙，"]
EN_PREFIXES = ["Shall I compare thee", "When in disgrace with fortune", "My love is as a fever",
               "O, what a noble mind", "The quality of mercy", "Now is the winter of our discontent",
               "If music be the food of love,", "All the world's a stage,", "To be, or not to be:",
               "Sweet love, renew thy force;", "When I do count the clock", "Let me not to the marriage",
               "The moon shines bright", "But soft, what light", "Tomorrow, and tomorrow,", "Friends, Romans,",
               "How sharper than a serpent's tooth", "Once more unto the breach,", "We are such stuff",
               "Love is not love"]


def _time_loads(path: Path) -> tuple[float, float]:
    started = time.perf_counter()
    modelfile.load_model(path)
    first = time.perf_counter() - started
    times = []
    for _ in range(5):
        started = time.perf_counter()
        modelfile.load_model(path)
        times.append(time.perf_counter() - started)
    return first, statistics.median(times)


def _new_lines(copied: list[int], prefix: str) -> list[int]:
    """Copied lines the model wrote: a line the prompt already completed is the user's, not a copy."""
    done = len(split_lines(prefix)) if prefix.rstrip()[-1:] in "，。？！；,.?!;:" else len(split_lines(prefix)) - 1
    return [i for i in copied if i >= done]


def _zh_samples(bundle, count: int, seed: int) -> list[dict]:
    fingerprint = bundle.fingerprint()
    out = []
    for i in range(count):
        heads = ZH_HEADS[i % len(ZH_HEADS)]
        form = "7x4" if i % 2 == 0 else "5x4"
        request = Request(spec=Spec(form=parse_form(form), heads=heads, rhyme=True), beam=8, n=1,
                          settings=SampleSettings(seed=seed + i))
        text = generate(bundle.model, bundle.vocab, request)[0].text
        check = check_poem(text, form=form, heads=heads, fingerprint=fingerprint)
        out.append({"kind": "acrostic", "heads": heads, "form": form, "text": text,
                    "valid": check.ok,
                    "copied_lines": check.copied_lines})
    for i in range(count):
        prefix = ZH_PREFIXES[i % len(ZH_PREFIXES)]
        request = Request(prefix=prefix, mode="poem", spec=Spec(form=parse_form("7x4" if len(prefix.rstrip("，")) > 5
                                                                                  else "5x4"), rhyme=True),
                          n=1, settings=SampleSettings(seed=seed + i))
        result = generate(bundle.model, bundle.vocab, request)[0]
        check = check_poem(result.text, fingerprint=fingerprint)
        out.append({"kind": "continuation", "prefix": prefix, "text": result.text, "valid": check.form_ok,
                    "copied_lines": _new_lines(check.copied_lines, prefix)})
    return out


def _en_samples(bundle, count: int, seed: int) -> list[dict]:
    fingerprint = bundle.fingerprint()
    out = []
    for i in range(count):
        prefix = EN_PREFIXES[i % len(EN_PREFIXES)]
        mode = "line" if i % 2 == 0 else "poem"
        spec = Spec(form=parse_form("free:4"), rhyme=False) if mode == "poem" else Spec()
        request = Request(prefix=prefix, mode=mode, spec=spec, n=1, settings=SampleSettings(seed=seed + i))
        result = generate(bundle.model, bundle.vocab, request)[0]
        check = check_poem(result.text, fingerprint=fingerprint)
        out.append({"kind": f"continuation ({mode})", "prefix": prefix, "text": result.text,
                    "copied_lines": _new_lines(check.copied_lines, prefix)})
    return out


def measure(path: Path, samples: int, seed: int) -> dict:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    first, median = _time_loads(path)
    bundle = modelfile.load_model(path)
    language = bundle.meta.get("language")
    params = sum(p.numel() for p in bundle.model.parameters())
    if language == "zh":
        request = Request(spec=Spec(form=parse_form("7x4"), heads="春江花月", rhyme=True), beam=8, n=1,
                          settings=SampleSettings(seed=seed))
    else:
        request = Request(prefix="Shall I compare thee", mode="line", n=1, settings=SampleSettings(seed=seed))
    generate(bundle.model, bundle.vocab, request)  # warm-up
    times = []
    for _ in range(5):
        started = time.perf_counter()
        generate(bundle.model, bundle.vocab, request)
        times.append(time.perf_counter() - started)
    result = {
        "model": path.stem, "language": language, "bytes": path.stat().st_size, "parameters": params,
        "vocab": len(bundle.vocab), "load_seconds_first": round(first, 4), "load_seconds_median": round(median, 4),
        "generate_task": "7x4 acrostic 春江花月, beam 8" if language == "zh" else "one sampled line",
        "generate_seconds_median": round(statistics.median(times), 4),
        "losses": bundle.meta.get("losses"), "torch_threads": torch.get_num_threads(),
    }
    if samples:
        result["samples"] = (_zh_samples if language == "zh" else _en_samples)(bundle, samples, seed)
        if language == "zh":
            acrostics = [s for s in result["samples"] if s["kind"] == "acrostic"]
            result["samples_valid"] = f"{sum(s['valid'] for s in acrostics)}/{len(acrostics)} acrostics"
        result["samples_copied_lines"] = sum(len(s["copied_lines"]) for s in result["samples"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", type=Path, default=REPO_ROOT / "models")
    parser.add_argument("--samples", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    files = sorted(args.models_dir.glob("*.poetpad"))
    if not files:
        print(f"No .poetpad files in {args.models_dir}.", file=sys.stderr)
        return 2
    results = [measure(path, args.samples, args.seed) for path in files]
    text = json.dumps(results, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
