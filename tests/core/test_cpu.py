"""How many threads torch work gets: every core to train, the idle ones to decode."""

from __future__ import annotations

import torch

from poetpad.core import cpu


def test_decoding_takes_the_idle_cores_from_one_to_four(monkeypatch):
    monkeypatch.setattr(cpu, "available_cores", lambda: 2)
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert cpu.idle_cores() == 1 and cpu.decode_threads() == 1  # a core is busy: one thread, not a stall
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (7.0, 0.0, 0.0))
    assert cpu.decode_threads() == 1  # never fewer than one
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    assert cpu.decode_threads() == 2
    monkeypatch.setattr(cpu, "available_cores", lambda: 16)
    assert cpu.idle_cores() == 16 and cpu.decode_threads() == cpu.DECODE_MAX_THREADS

    def no_load():
        raise OSError("no load average here")

    monkeypatch.setattr(cpu.os, "getloadavg", no_load)
    assert cpu.idle_cores() == 16


def test_torch_threads_are_restored():
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with cpu.torch_threads(target):
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before


def test_decoding_autocasts_to_bf16_only_where_the_cpu_has_it(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_bf16", lambda: "AMX")
    with cpu.decode_autocast(torch.device("cpu")):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    monkeypatch.setattr(cpu, "cpu_bf16", lambda: "")
    with cpu.decode_autocast(torch.device("cpu")):
        assert not torch.is_autocast_enabled("cpu")


def test_a_fixed_number_of_decoding_threads_may_be_asked_for(monkeypatch):
    monkeypatch.setattr(cpu, "available_cores", lambda: 8)
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (7.5, 0.0, 0.0))
    monkeypatch.setenv(cpu.DECODE_THREADS_ENV, "3")
    assert cpu.decode_threads() == 3  # pinned, whatever the load
    monkeypatch.setenv(cpu.DECODE_THREADS_ENV, "64")
    assert cpu.decode_threads() == 8  # never more than the cores
    monkeypatch.setenv(cpu.DECODE_THREADS_ENV, "many")
    assert cpu.decode_threads() == 1  # not a number: the idle cores (none idle here: one)
