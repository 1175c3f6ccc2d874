"""Many processes (torchrun): the process group, what the processes agree on, and a peer that went away.

Under torchrun (WORLD_SIZE > 1) the same loop runs as DistributedDataParallel: each process trains
on its share of every batch, and rank 0 alone reports, checkpoints and saves the model.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch

from poetpad.core.device import resolve_device
from poetpad.errors import PoetPadError, TrainingError


def torchrun_world_size() -> int:
    """The number of processes torchrun (or another launcher with its variables) started; 1 without one."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


class FollowerError(TrainingError):
    """An error rank 0 found and told the other processes about: only rank 0 shows it."""


@dataclass
class Distributed:
    """This process's place in a torchrun run: DDP goes over `group`, the loop's small agreements
    (targets counted, stop asked, time up, validation sums) over the gloo group `control`."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    backend: str
    control: object = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def start(cls, device: str) -> Distributed:
        """Join the process group torchrun's variables describe (gloo on CPU, NCCL on CUDA)."""
        import torch.distributed as dist

        if not dist.is_available():
            raise TrainingError("This PyTorch has no torch.distributed; train with one process.")
        env = os.environ
        try:
            rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
            local_rank = int(env.get("LOCAL_RANK", rank))
            local_world = int(env.get("LOCAL_WORLD_SIZE", world))
        except (KeyError, ValueError) as exc:
            raise TrainingError("The torchrun environment (RANK, WORLD_SIZE) is incomplete; start the run with "
                                "torchrun.") from exc
        cuda = resolve_device(device).type == "cuda"
        if cuda:
            torch.cuda.set_device(local_rank % max(1, torch.cuda.device_count()))
        backend = "nccl" if cuda else "gloo"
        # Setting up (reading a large corpus) may take the processes a while, each at its own pace.
        dist.init_process_group(backend=backend, timeout=timedelta(minutes=10))
        # Every training step agrees over this group first, so a process that vanishes without closing
        # its connections is noticed within a minute.
        control = dist.new_group(backend="gloo", timeout=timedelta(seconds=60))
        return cls(rank, world, local_rank, local_world, backend, control)

    def stop(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    def all_sum(self, values: list[float]) -> list[float]:
        import torch.distributed as dist

        tensor = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(tensor, group=self.control)
        return tensor.tolist()

    def agree(self, count: int, stop: bool, out_of_time: bool) -> tuple[int, bool, bool]:
        """The targets of a step summed over the processes; whether any was asked to stop; whether rank 0's
        clock ran out (its word alone counts)."""
        total, stops, times = self.all_sum([count, float(stop), float(out_of_time and self.main)])
        return int(total), stops > 0, times > 0

    def share(self, obj: object) -> object:
        """Rank 0's `obj`, on every rank."""
        import torch.distributed as dist

        box = [obj]
        dist.broadcast_object_list(box, src=0, group=self.control)
        return box[0]

    def gather(self, obj: object) -> list:
        import torch.distributed as dist

        out: list = [None] * self.world_size
        dist.all_gather_object(out, obj, group=self.control)
        return out

    def share_bytes(self, data: bytes | None) -> bytes:
        """Rank 0's bytes (a checkpoint) on every rank, so resuming needs the file on rank 0's machine only."""
        import torch.distributed as dist

        size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64)
        dist.broadcast(size, src=0, group=self.control)
        buf = (torch.frombuffer(bytearray(data), dtype=torch.uint8) if self.main and data
               else torch.empty(int(size), dtype=torch.uint8))
        if int(size):
            dist.broadcast(buf, src=0, group=self.control)
        return buf.numpy().tobytes()


def peer_failure(exc: BaseException, rank: int, step: int, checkpoint: Path | None) -> TrainingError:
    text = str(exc).lower()
    if any(word in text for word in ("reset", "closed", "broken pipe", "eof")):
        why = "its connection closed"
    elif "timed out" in text or "timeout" in text:
        why = "it stopped answering"
    else:
        why = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
    kept = (f" The last checkpoint ({checkpoint}) is kept: run the same command with --resume and the same "
            "number of processes to continue." if checkpoint is not None and checkpoint.exists()
            else " No checkpoint had been written yet.")
    return TrainingError(f"Another process of this training run stopped ({why}), so process {rank} stopped too, "
                         f"at step {step}.{kept}")


def is_peer_failure(exc: BaseException) -> bool:
    """Is `exc` a collective that failed because another process went away?"""
    import torch.distributed as dist

    if isinstance(exc, getattr(dist, "DistError", ())):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        word in text for word in ("gloo", "nccl", "connection", "timed out", "peer", "socket", "broken pipe"))


def on_rank0(dist: Distributed | None, work: Callable[[], object]) -> object:
    """work() on rank 0, its result (or its PoetPadError, shown by rank 0 alone) on every process."""
    if dist is None:
        return work()
    outcome: tuple[str, object] = ("ok", None)
    if dist.main:
        try:
            outcome = ("ok", work())
        except PoetPadError as exc:
            dist.share(("error", str(exc)))
            raise
    kind, value = dist.share(outcome)
    if kind == "error":
        raise FollowerError(str(value))
    return value
