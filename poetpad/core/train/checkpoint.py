"""Checkpoint files and the runs they keep: packing a run into one safetensors file (tensors plus a JSON
header, no pickle) and reading it back, where each run's file lives, the interrupted runs, and the lock
that keeps one run per model name.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors

from poetpad import paths
from poetpad.core import library
from poetpad.core.model import PoetLM
from poetpad.core.train.distributed import Distributed
from poetpad.errors import TrainingError
from poetpad.locks import FileLock, LockHeld, clean_temp_files, is_live
from poetpad.locks import holder as lock_holder

log = logging.getLogger(__name__)

CKPT_FILE = "checkpoint.safetensors"


# -- packing a run ------------------------------------------------------------------------------------


def _stored(model: PoetLM, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` without a tied model's head (it is the embedding)."""
    return {k: v for k, v in state.items() if not (model.config.tied and k == "head.weight")}


def pack_checkpoint(model: PoetLM, best_state: dict[str, torch.Tensor] | None, optimizer: torch.optim.Optimizer,
                    run: dict, extra: dict, finished: str | None) -> bytes:
    """The checkpoint file's bytes: the weights, the best weights, the optimiser's state and the CPU's
    random state as tensors; `run` (the loop's state), the optimiser's groups and `extra` in the header."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in _stored(model, model.state_dict()).items()}
    if best_state is not None:
        tensors.update({f"best.{k}": v for k, v in _stored(model, best_state).items()})
    opt = optimizer.state_dict()
    for pid, pstate in opt["state"].items():
        for key, value in pstate.items():
            if torch.is_tensor(value):
                tensors[f"opt.{pid}.{key}"] = value.detach().cpu().contiguous().reshape(-1) \
                    if value.dim() == 0 else value.detach().cpu().contiguous()
    tensors["rng.cpu"] = torch.get_rng_state()
    header = run | {
        "param_groups": [{k: v for k, v in g.items() if k != "params"} | {"params": g["params"]}
                         for g in opt["param_groups"]],
        "scalar_opt": sorted(f"{pid}.{k}" for pid, s in opt["state"].items()
                             for k, v in s.items() if torch.is_tensor(v) and v.dim() == 0),
        "extra": extra,
    }
    if finished is not None:
        header["finished"] = finished
    return save_safetensors(tensors, metadata={"poetpad": json.dumps(header, ensure_ascii=False)})


def restore_weights(model: PoetLM, optimizer: torch.optim.Optimizer, device: torch.device, header: dict,
                    tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor] | None:
    """Load a checkpoint's weights, optimiser state and CPU random state; its best weights (None: none)."""
    model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    if model.config.tied:
        model_state["head.weight"] = model_state["embed.weight"]
    try:
        model.load_state_dict(model_state)
    except RuntimeError as exc:
        raise TrainingError("The checkpoint does not fit this model; start afresh without --resume.") from exc
    best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
    if best and model.config.tied:
        best["head.weight"] = best["embed.weight"]
    scalar = set(header.get("scalar_opt", []))
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, pid, name = key.split(".", 2)
            value = value.reshape(()) if f"{pid}.{name}" in scalar else value
            state.setdefault(int(pid), {})[name] = value.to(device) if name != "step" else value
    groups = header["param_groups"]
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    torch.set_rng_state(tensors["rng.cpu"])
    return best or None


# -- reading a checkpoint ----------------------------------------------------------------------------


def read_checkpoint_header(path: Path) -> dict:
    """The JSON header of a checkpoint file, without reading its tensors."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            header = json.loads((fh.metadata() or {}).get("poetpad", "{}"))
    except Exception as exc:  # any damage to the file means the same thing to the user
        raise TrainingError(f"The checkpoint {path} is damaged; start afresh without --resume.") from exc
    if not isinstance(header, dict) or "step" not in header:
        raise TrainingError(f"The checkpoint {path} is not a PoetPad checkpoint; start afresh without --resume.")
    return header


def parse_checkpoint(data: bytes, path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """The header and tensors of a checkpoint held in memory (`path` names it in errors)."""
    damaged = TrainingError(f"The checkpoint {path} is damaged; start afresh without --resume.")
    try:
        (size,) = struct.unpack("<Q", data[:8])
        meta = json.loads(data[8:8 + size].decode("utf-8")).get("__metadata__") or {}
        header = json.loads(meta.get("poetpad", "{}"))
        tensors = load_safetensors_bytes(data)
    except Exception as exc:  # any damage to the file means the same thing to the user
        raise damaged from exc
    if not isinstance(header, dict) or "step" not in header:
        raise TrainingError(f"The checkpoint {path} is not a PoetPad checkpoint; start afresh without --resume.")
    return header, tensors


def read_checkpoint(path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """The header and tensors of a checkpoint file (safetensors; no code runs)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TrainingError(f"The checkpoint {path} cannot be read; start afresh without --resume.") from exc
    return parse_checkpoint(data, path)


def read_shared(path: Path, dist: Distributed | None) -> tuple[dict, dict[str, torch.Tensor]]:
    """A checkpoint's header and tensors; under torchrun rank 0 reads the file and hands every process the same
    bytes, so resuming needs the file on rank 0's machine only."""
    if dist is None:
        return read_checkpoint(path)
    data = path.read_bytes() if dist.main else None
    return parse_checkpoint(dist.share_bytes(data), path)


def check_world(header: dict, world: int) -> None:
    """A run resumes with as many processes as it had (each one's share of every batch depends on it)."""
    saved = int(header.get("world_size", 1))
    if saved != world:
        raise TrainingError(f"The interrupted run trained with {saved} process{'' if saved == 1 else 'es'}; "
                            f"resume it with the same number, not {world}.")


# -- where runs are kept, and the run lock ---------------------------------------------------------


def checkpoint_path(name: str) -> Path:
    return paths.checkpoints_dir() / library.check_name(name) / CKPT_FILE


def has_checkpoint(name: str) -> bool:
    return checkpoint_path(name).exists()


@dataclass
class InterruptedRun:
    """A run kept as a checkpoint, as the training dialog offers it for resuming."""

    name: str
    step: int
    seconds: float               # training time so far
    epochs: int | None           # the run's own bounds, from its checkpoint
    max_minutes: float | None
    base_model: str | None
    paths: list[str]             # the poems it trained on ([] for a checkpoint older than this field)
    simplify: bool


def interrupted_runs() -> list[InterruptedRun]:
    """Every interrupted run in the data dir, newest first; damaged checkpoints are left out (and logged)."""
    found: list[tuple[float, InterruptedRun]] = []
    for ckpt in paths.checkpoints_dir().glob(f"*/{CKPT_FILE}"):
        try:
            header = read_checkpoint_header(ckpt)
            config = header.get("train_config") or {}
            extra = header.get("extra") or {}
            run = InterruptedRun(
                name=ckpt.parent.name, step=int(header["step"]), seconds=float(header.get("elapsed", 0.0)),
                epochs=config.get("epochs"), max_minutes=config.get("max_minutes"),
                base_model=extra.get("base_model"), paths=[str(p) for p in extra.get("paths") or []],
                simplify=bool(extra.get("simplify", False)))
            found.append((ckpt.stat().st_mtime, run))
        except (TrainingError, OSError, TypeError, ValueError, KeyError) as exc:
            log.warning("ignoring the checkpoint %s: %s", ckpt, exc)
    return [run for _, run in sorted(found, key=lambda pair: pair[0], reverse=True)]


def run_lock_path(name: str) -> Path:
    """The lock that keeps one run per model name (see poetpad.locks; library.is_training reads it)."""
    return library.training_lock_path(name)


def refuse_if_training(name: str, lock: FileLock | None = None) -> None:
    if (lock is None or not lock.held) and is_live(run_lock_path(name)):
        who = LockHeld(run_lock_path(name), lock_holder(run_lock_path(name))).describe()
        raise TrainingError(f"'{name}' is being trained right now (by {who}); wait for that run to end, or "
                            "choose another name.")


def discard_checkpoint(name: str, lock: FileLock | None = None) -> None:
    """Remove an interrupted run's checkpoint and any temp files its writes left; refused while another
    process trains `name` (`lock`: the run lock this caller holds)."""
    refuse_if_training(name, lock)
    path = checkpoint_path(name)
    path.unlink(missing_ok=True)
    clean_temp_files(path.parent, older_than=0)
    try:
        path.parent.rmdir()
    except OSError:
        pass


def lock_run(name: str) -> FileLock:
    """Hold the lock of `name`'s run, or refuse at once: one run per model name."""
    name = library.check_name(name)
    path = run_lock_path(name)
    try:
        return FileLock(path, name=name).acquire()
    except LockHeld as exc:
        raise TrainingError(f"'{name}' is being trained right now (by {exc.describe()}); wait for that run to end, "
                            "or choose another name.") from None
    except OSError as exc:
        raise TrainingError(f"PoetPad cannot write to {path.parent} ({exc.strerror or exc}), so it could keep neither "
                            "checkpoints nor the model; make the data folder writable, or set POETPAD_DATA_DIR to "
                            "a writable one.") from exc


def clean_leftovers(name: str) -> None:
    """Temp files that runs of `name` left when they died (the caller holds the name's run lock), and any
    temp file in the user library older than an hour."""
    ckpt = checkpoint_path(name)
    clean_temp_files(ckpt.parent, older_than=0)
    models = paths.user_models_dir()
    clean_temp_files(models, older_than=0, target=library.user_path(name).name)
    clean_temp_files(models)
