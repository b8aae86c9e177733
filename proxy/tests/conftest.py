"""Fixtures of the proxy suite: a kafkabridge-proxy process of the test's own (its binary from
target/release, on a free loopback port, against the real broker in KAFKA_BROKERS), topics made
with kafkabridge's Python binding, and a reader that takes a topic's messages back through the
library, byte for byte, to check what the proxy wrote."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings/python"))

import kafkabridge as kb  # noqa: E402

BINARY = Path(os.environ.get("KAFKABRIDGE_PROXY", ROOT / "target/release/kafkabridge-proxy"))


@pytest.fixture(scope="session")
def brokers() -> str:
    b = os.environ.get("KAFKA_BROKERS")
    if not b:
        pytest.fail("KAFKA_BROKERS is not set")
    return b


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """One proxy process; `stop()` sends SIGTERM and returns its exit status and stderr."""

    def __init__(self, brokers: str, args: List[str]):
        self.port = free_port()
        cmd = [str(BINARY), "--listen", f"127.0.0.1:{self.port}", "--kafka", f"bootstrap.servers={brokers}", *args]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the proxy did not start: {self.proc.stderr.read() if self.proc.poll() is not None else 'timeout'}")
                time.sleep(0.05)

    def stop(self, timeout: float = 60) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            return -9, err
        return self.proc.returncode, err


@pytest.fixture
def start_proxy(brokers: str) -> Iterator[Callable[..., Proxy]]:
    started: List[Proxy] = []

    def start(*args: str) -> Proxy:
        p = Proxy(brokers, list(args))
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture(scope="session")
def admin(brokers: str) -> Iterator[kb.Admin]:
    with kb.Admin({"bootstrap.servers": brokers}) as a:
        yield a


@pytest.fixture
def new_topic(admin: kb.Admin) -> Iterator[Callable[..., str]]:
    made: List[str] = []

    def make(partitions: int = 1) -> str:
        name = f"proxy-{uuid.uuid4().hex[:12]}"
        admin.create_topic(name, partitions, 1)
        made.append(name)
        return name

    yield make
    for t in made:
        try:
            admin.delete_topic(t, timeout=10)
        except kb.KafkaBridgeError:
            pass


@pytest.fixture
def read_back(brokers: str) -> Callable[..., List[kb.Message]]:
    """Every message of `topic`'s partitions 0..partitions-1 up to their high watermarks."""

    def read(topic: str, partitions: int = 1, timeout: float = 30) -> List[kb.Message]:
        with kb.Consumer({"bootstrap.servers": brokers}) as c:
            ends = {p: c.get_watermark_offsets(topic, p)[1] for p in range(partitions)}
            c.assign([kb.TopicPartition(topic, p, kb.OFFSET_BEGINNING) for p in range(partitions)])
            got: List[kb.Message] = []
            deadline = time.monotonic() + timeout
            while sum(1 for m in got) < sum(ends.values()) and time.monotonic() < deadline:
                got.extend(m for m in c.poll_batch(0.5, 1000) if m.error is None)
            return sorted(got, key=lambda m: (m.partition, m.offset))

    return read
