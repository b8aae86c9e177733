"""kafkabridge's Python ctypes binding under bench/README.md's contract (impl `python`).

    target/bench/venv/bin/python bench/python/kb_bench.py OP --brokers=HOST:PORT --topic=NAME \
        --messages=N --size=BYTES --mode=single|batch [--batch=1000]

Loads bindings/python from this checkout and the library from $KAFKABRIDGE_LIB, by default
<repo>/target/release/libkafkabridge.so, so it runs from any working directory.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
os.environ.setdefault("KAFKABRIDGE_LIB", str(REPO / "target" / "release" / "libkafkabridge.so"))
if not Path(os.environ["KAFKABRIDGE_LIB"]).is_file():
    sys.exit(f"kb_bench.py: {os.environ['KAFKABRIDGE_LIB']} missing; run 'make build' or set KAFKABRIDGE_LIB")

import kafkabridge as kb  # noqa: E402

from common import (CROSSING_CHUNK, KB_PRODUCE_CONF, PRODUCE_CONF, REPORT_TIMEOUT_S,  # noqa: E402
                    SYNC_WARMUP, BenchError, IdleGuard, check_value_sum, emit, group_id, main,
                    payload, sync_figures)

IMPL = "python"
now = time.perf_counter_ns

# Delivery reports are drained every DRAIN_EVERY produced messages, up to DRAIN_MAX per C call:
# often enough that the event queue stays short, rarely enough that polling costs little.
DRAIN_EVERY = 4096
DRAIN_MAX = 10000
# On a full queue, wait this long for the first report before retrying.
BACKOFF_S = 0.1


class Reports:
    """Counts delivery reports; any failed delivery or fatal client error fails the run."""

    def __init__(self, producer: kb.Producer) -> None:
        self.p = producer
        self.ok = 0

    def drain(self, timeout: float = 0.0) -> int:
        events = self.p.poll_events(timeout, DRAIN_MAX)
        for ev in events:
            if type(ev) is kb.DeliveryReport:
                if ev.error is not None:
                    raise BenchError(f"delivery of message {ev.message_id} failed: {ev.error}")
                self.ok += 1
            elif isinstance(ev, kb.ErrorEvent):
                if ev.fatal:
                    raise BenchError(f"fatal client error: {ev.name}: {ev.message}")
                print(f"{IMPL}: client error (not fatal): {ev.name}: {ev.message}", file=sys.stderr)
        return len(events)

    def wait_for(self, total: int) -> None:
        """Serves reports until `total` were received (librdkafka reports every message, failed
        ones at the latest after message.timeout.ms)."""
        while self.ok < total:
            self.drain(1.0)


def producer_conf(args, **overrides) -> dict:
    conf = {**PRODUCE_CONF, **KB_PRODUCE_CONF, **overrides}
    if args.brokers and "test.mock.num.brokers" not in conf:
        conf["bootstrap.servers"] = args.brokers
    return conf


def produce_one(p: kb.Producer, reports: Reports, topic: str, value: bytes) -> None:
    """One produce call; on backpressure serves reports and retries the same message."""
    while True:
        try:
            p.produce(topic, value)
            return
        except kb.QueueFullError:
            reports.drain(BACKOFF_S)


def produce_records(p: kb.Producer, reports: Reports, records: list) -> None:
    """One produce_batch call; on backpressure serves reports and retries from the first
    refused record."""
    while records:
        try:
            p.produce_batch(records)
            return
        except kb.QueueFullError as e:
            records = records[e.accepted:]
            reports.drain(BACKOFF_S)


def op_produce(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    with kb.Producer(producer_conf(args)) as p:
        reports = Reports(p)
        # Untimed warm-up: connection, metadata and topic creation.
        p.produce(topic, value)
        p.flush(REPORT_TIMEOUT_S)
        reports.wait_for(1)
        reports.ok = 0

        t0 = now()
        if args.mode == "single":
            for i in range(1, n + 1):
                produce_one(p, reports, topic, value)
                if i % DRAIN_EVERY == 0:
                    reports.drain()
        else:
            sent = since_drain = 0
            while sent < n:
                k = min(args.batch, n - sent)
                produce_records(p, reports, [kb.Record(topic, value) for _ in range(k)])
                sent += k
                since_drain += k
                if since_drain >= DRAIN_EVERY:
                    reports.drain()
                    since_drain = 0
        reports.wait_for(n)
        elapsed = now() - t0
        if reports.ok != n:
            raise BenchError(f"{reports.ok} delivery reports for {n} messages")
    emit(IMPL, args, elapsed)


def op_crossing(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    conf = producer_conf(args, **{"test.mock.num.brokers": 1, "linger.ms": 100})
    with kb.Producer(conf) as p:
        reports = Reports(p)
        timed = 0
        done = 0
        while done < n:
            chunk = min(CROSSING_CHUNK, n - done)
            # Only the produce calls are timed; a refused call fails the run (the queues hold
            # far more than a chunk, and they are emptied between chunks).
            if args.mode == "single":
                t0 = now()
                for _ in range(chunk):
                    p.produce(topic, value)
                timed += now() - t0
            else:
                t0 = now()
                sent = 0
                while sent < chunk:
                    k = min(args.batch, chunk - sent)
                    p.produce_batch([kb.Record(topic, value) for _ in range(k)])
                    sent += k
                timed += now() - t0
            done += chunk
            p.flush(REPORT_TIMEOUT_S)
            reports.wait_for(done)
        if reports.ok != n:
            raise BenchError(f"{reports.ok} delivery reports for {n} messages")
    emit(IMPL, args, timed, ns_per_msg=round(timed / n, 1))


def op_sync(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    conf = {"bootstrap.servers": args.brokers, "acks": "all", "linger.ms": 0}
    with kb.Producer(conf) as p:
        for _ in range(SYNC_WARMUP):
            p.produce_sync(topic, value, timeout=REPORT_TIMEOUT_S)
        lat = [0] * n
        # produce_sync returns only with this message's successful report (it raises otherwise).
        t_start = now()
        for i in range(n):
            t0 = now()
            p.produce_sync(topic, value, timeout=REPORT_TIMEOUT_S)
            lat[i] = now() - t0
        elapsed = now() - t_start
    emit(IMPL, args, elapsed, **sync_figures(lat))


def op_consume(args) -> None:
    n = args.messages
    conf = {
        "bootstrap.servers": args.brokers,
        "group.id": group_id(IMPL),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "false",
        "fetch.queue.backoff.ms": "10",
    }
    guard = IdleGuard()
    got = total = 0
    t0 = 0
    with kb.Consumer(conf) as c:
        c.subscribe([args.topic])
        if args.mode == "single":
            while got < n:
                m = c.poll(1.0)
                if m is None:
                    guard.check(got, n)
                    continue
                if m.error is not None:
                    consumer_error(m.error)
                    continue
                if got == 0:
                    t0 = now()  # the clock starts when the first message arrives
                got += 1
                if m.value is not None:
                    total += len(m.value)
        else:
            while got < n:
                msgs = c.poll_batch(1.0, min(args.batch, n - got))
                if not msgs:
                    guard.check(got, n)
                    continue
                if got == 0:
                    t0 = now()
                for m in msgs:
                    if m.error is not None:
                        consumer_error(m.error)
                        continue
                    got += 1
                    if m.value is not None:
                        total += len(m.value)
        elapsed = now() - t0
    check_value_sum(total, args)
    emit(IMPL, args, elapsed)


def consumer_error(err: kb.KafkaBridgeError) -> None:
    if err.fatal:
        raise BenchError(f"fatal consumer error: {err}")
    print(f"{IMPL}: consumer error (not fatal): {err}", file=sys.stderr)


if __name__ == "__main__":
    main(IMPL, {"produce": op_produce, "consume": op_consume, "crossing": op_crossing,
                "sync": op_sync})
