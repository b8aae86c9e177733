from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kafkabridge as kb  # noqa: E402


@pytest.fixture(scope="session")
def brokers() -> str:
    b = os.environ.get("KAFKA_BROKERS")
    if not b:
        pytest.fail("KAFKA_BROKERS is not set")
    return b


@pytest.fixture(scope="session")
def admin(brokers: str) -> Iterator[kb.Admin]:
    with kb.Admin({"bootstrap.servers": brokers}) as a:
        yield a


@pytest.fixture
def new_topic(admin: kb.Admin) -> Iterator[Callable[..., str]]:
    made = []

    def make(partitions: int = 1) -> str:
        name = f"py-{uuid.uuid4().hex[:12]}"
        admin.create_topic(name, partitions, 1)
        made.append(name)
        return name

    yield make
    for t in made:
        try:
            admin.delete_topic(t, timeout=10)
        except kb.KafkaBridgeError:
            pass


def consume_n(consumer: kb.Consumer, n: int, deadline_s: float = 30.0) -> list:
    import time
    out = []
    end = time.monotonic() + deadline_s
    while len(out) < n and time.monotonic() < end:
        for m in consumer.poll_batch(0.5, n - len(out)):
            if m.error is None:
                out.append(m)
    return out
