#!/usr/bin/env python3
"""One worker process of the spool scenarios (faults/run.py drives it over stdin/stdout).

    spool_worker.py produce CONFIG_JSON TOPIC FIRST COUNT
        A PHP worker's life through an outage: produces COUNT sequence-numbered messages from
        FIRST (partition = seq % 4) on a persistent client, reports "sent" and waits for a line
        on stdin (the driver takes Kafka away meanwhile), produces COUNT more, waits for their
        reports up to the deadline in the config, produces COUNT more and exits at once, so its
        exit flush has to spool what it holds. Prints one JSON line: the reports by outcome.
    spool_worker.py replay CONFIG_JSON
        The next worker: opens a producer on the spool and waits until the spool is empty (or
        the deadline). Prints one JSON line: what is left.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings/python"))

import kafkabridge as kb  # noqa: E402
from kafkabridge._constants import KB_ERR_SPOOLED  # noqa: E402

PARTITIONS = 4


def produce(conf: Dict[str, str], topic: str, first: int, count: int) -> None:
    p = kb.Producer.persistent("faults-spool", conf)
    outcome: Dict[str, List[int]] = {"delivered": [], "spooled": [], "failed": []}
    ids: Dict[int, int] = {}

    def drain(timeout: float) -> None:
        for ev in p.poll_events(timeout, 10_000):
            if isinstance(ev, kb.DeliveryReport):
                seq = ids.pop(ev.message_id)
                kind = "delivered" if ev.error is None else "spooled" if ev.error.code == KB_ERR_SPOOLED else "failed"
                outcome[kind].append(seq)

    def send(start: int) -> None:
        for seq in range(start, start + count):
            while True:
                try:
                    ids[p.produce(topic, b"%d" % seq, partition=seq % PARTITIONS)] = seq
                    break
                except kb.QueueFullError:
                    drain(0.1)

    def wait(deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        while ids and time.monotonic() < deadline:
            drain(0.2)

    send(first)
    wait(60)
    print("sent", flush=True)
    sys.stdin.readline()  # Kafka is gone now
    send(first + count)
    timeout_ms = int(conf.get("message.timeout.ms", "0"))
    if timeout_ms:
        wait(timeout_ms / 1000 + 10)
    send(first + 2 * count)
    drain(0)
    outcome["unreported"] = sorted(ids.values())  # the exit flush spools these
    p.close()
    print(json.dumps(outcome), flush=True)


def replay(conf: Dict[str, str], deadline_s: float = 120) -> None:
    spool = Path(conf["bridge.spool.dir"])
    with kb.Producer(conf):
        deadline = time.monotonic() + deadline_s
        while list(spool.glob("*.kbspool")) and time.monotonic() < deadline:
            time.sleep(0.1)  # the replay thread works; this process only has to stay
    print(json.dumps({"left": [str(s) for s in spool.glob("*.kbspool")]}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        replay(json.loads(sys.argv[2]))
