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
    """The real broker. A test that needs it fails (not skips) without it."""
    b = os.environ.get("KAFKA_BROKERS")
    if not b:
        pytest.fail("KAFKA_BROKERS is not set")
    return b


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """For tests that need a cluster but nothing only a real broker has (topic creation, real
    errors): the real broker when KAFKA_BROKERS is set, so the full suite keeps running them
    there, else one in-process mock cluster for the session (the broker-less selection,
    `-m brokerless`)."""
    b = os.environ.get("KAFKA_BROKERS")
    if b:
        yield b
        return
    with kb.MockCluster(1) as mock:
        yield mock.bootstrap_servers


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
