"""The golden requests (tests/golden/requests.py) write today what they wrote when recorded, token for
token: a refactoring that changes a poem fails here, naming the request."""

from __future__ import annotations

import json

import pytest

from tests.golden import requests as golden


@pytest.fixture(scope="module")
def bundles():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as recorded: a different split of the products may round differently
    yield golden.load_bundles()
    torch.set_num_threads(threads)


RECORDED = json.loads(golden.ANSWERS.read_text(encoding="utf-8"))


def test_every_request_is_recorded():
    assert set(RECORDED) == {name for name, _, _ in golden.REQUESTS}
    assert all(RECORDED.values())


@pytest.mark.parametrize(("name", "model", "options"), golden.REQUESTS, ids=[r[0] for r in golden.REQUESTS])
def test_request_writes_what_it_wrote(bundles, name, model, options):
    assert golden.run(name, model, options, bundles) == RECORDED[name]
