"""confluent-kafka (PyPI; its wheel bundles librdkafka) under bench/README.md's contract
(impl `python-confluent`).

    target/bench/venv/bin/python bench/python/confluent_bench.py OP --brokers=HOST:PORT \
        --topic=NAME --messages=N --size=BYTES --mode=single|batch [--batch=1000]

Batch produce uses Producer.produce_batch (present in the pinned version): records it refuses
come back marked with `_error` and get no delivery report, so they are retried after polling.
"""
from __future__ import annotations

import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer  # noqa: E402

from common import (CROSSING_CHUNK, PRODUCE_CONF, REPORT_TIMEOUT_S, SYNC_WARMUP,  # noqa: E402
                    BenchError, IdleGuard, check_value_sum, emit, group_id, main, payload,
                    sync_figures)

IMPL = "python-confluent"
now = time.perf_counter_ns

# On a full queue, wait this long for the first report before retrying.
BACKOFF_S = 0.1


def on_error(err: KafkaError) -> None:
    """error_cb: a fatal client error ends the run (raised out of poll/flush/consume)."""
    if err.fatal():
        raise KafkaException(err)
    print(f"{IMPL}: client error (not fatal): {err}", file=sys.stderr)


class Reports:
    """Delivery callback: counts successes and failures."""

    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.first_error = None

    def __call__(self, err, msg) -> None:
        if err is None:
            self.ok += 1
        else:
            self.failed += 1
            if self.first_error is None:
                self.first_error = err

    def check(self, n: int) -> None:
        if self.failed:
            raise BenchError(f"{self.failed} deliveries failed, first: {self.first_error}")
        if self.ok != n:
            raise BenchError(f"{self.ok} delivery reports for {n} messages")


def producer_conf(args, **overrides) -> dict:
    conf = {**PRODUCE_CONF, **overrides, "error_cb": on_error}
    if args.brokers and "test.mock.num.brokers" not in conf:
        conf["bootstrap.servers"] = args.brokers
    return conf


def flush_all(p: Producer) -> None:
    # flush() without a timeout waits until every message has its report (failed ones at the
    # latest after message.timeout.ms) and serves the callbacks.
    left = p.flush()
    if left:
        raise BenchError(f"{left} messages still queued after flush")


def produce_batch(p: Producer, topic: str, value: bytes, k: int, reports: Reports) -> None:
    """One produce_batch call of k messages; refused ones (queue full) are retried after
    serving reports. Any other refusal fails the run."""
    while k:
        msgs = [{"value": value} for _ in range(k)]
        queued = p.produce_batch(topic, msgs, on_delivery=reports)
        if queued == k:
            return
        for m in msgs:
            err = m.get("_error")
            if err is not None and err.code() != KafkaError._QUEUE_FULL:
                raise BenchError(f"produce_batch refused a message: {err}")
        k -= queued
        p.poll(BACKOFF_S)


def op_produce(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    p = Producer(producer_conf(args))
    # Untimed warm-up: connection, metadata and topic creation.
    warm = Reports()
    p.produce(topic, value, on_delivery=warm)
    flush_all(p)
    warm.check(1)

    reports = Reports()
    t0 = now()
    if args.mode == "single":
        for _ in range(n):
            while True:
                try:
                    p.produce(topic, value, on_delivery=reports)
                    break
                except BufferError:  # queue full: serve reports, retry the same message
                    p.poll(BACKOFF_S)
            p.poll(0)
    else:
        sent = 0
        while sent < n:
            k = min(args.batch, n - sent)
            produce_batch(p, topic, value, k, reports)
            sent += k
            p.poll(0)
    flush_all(p)
    reports.check(n)
    elapsed = now() - t0
    emit(IMPL, args, elapsed)


def op_crossing(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    p = Producer(producer_conf(args, **{"test.mock.num.brokers": 1, "linger.ms": 100}))
    reports = Reports()
    timed = 0
    done = 0
    while done < n:
        chunk = min(CROSSING_CHUNK, n - done)
        # Only the produce calls are timed; a refused call fails the run (the queues hold far
        # more than a chunk, and they are emptied between chunks).
        if args.mode == "single":
            t0 = now()
            for _ in range(chunk):
                p.produce(topic, value, on_delivery=reports)
            timed += now() - t0
        else:
            t0 = now()
            sent = 0
            while sent < chunk:
                k = min(args.batch, chunk - sent)
                queued = p.produce_batch(topic, [{"value": value} for _ in range(k)],
                                         on_delivery=reports)
                if queued != k:
                    raise BenchError(f"produce_batch queued {queued} of {k}")
                sent += k
            timed += now() - t0
        done += chunk
        flush_all(p)
        reports.check(done)
    emit(IMPL, args, timed, ns_per_msg=round(timed / n, 1))


class SyncReport:
    """Delivery callback of the one message in flight."""
    __slots__ = ("done", "err")

    def __init__(self) -> None:
        self.done = False
        self.err = None

    def __call__(self, err, msg) -> None:
        self.done = True
        self.err = err


def send_sync(p: Producer, topic: str, value: bytes, r: SyncReport) -> None:
    r.done = False
    p.produce(topic, value, on_delivery=r)
    deadline = time.monotonic() + REPORT_TIMEOUT_S
    while not r.done:
        p.poll(1.0)  # returns as soon as the report has been served
        if not r.done and time.monotonic() > deadline:
            raise BenchError(f"no delivery report within {REPORT_TIMEOUT_S:.0f} s")
    if r.err is not None:
        raise BenchError(f"delivery failed: {r.err}")


def op_sync(args) -> None:
    topic, n, value = args.topic, args.messages, payload(args.size)
    p = Producer({"bootstrap.servers": args.brokers, "acks": "all", "linger.ms": 0,
                  "error_cb": on_error})
    r = SyncReport()
    for _ in range(SYNC_WARMUP):
        send_sync(p, topic, value, r)
    lat = [0] * n
    t_start = now()
    for i in range(n):
        t0 = now()
        send_sync(p, topic, value, r)
        lat[i] = now() - t0
    elapsed = now() - t_start
    flush_all(p)
    emit(IMPL, args, elapsed, **sync_figures(lat))


def consumer_error(err: KafkaError) -> None:
    if err.code() == KafkaError._PARTITION_EOF:
        return
    if err.fatal():
        raise BenchError(f"fatal consumer error: {err}")
    print(f"{IMPL}: consumer error (not fatal): {err}", file=sys.stderr)


def op_consume(args) -> None:
    n = args.messages
    c = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": group_id(IMPL),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "fetch.queue.backoff.ms": 10,
        "error_cb": on_error,
    })
    guard = IdleGuard()
    got = total = 0
    t0 = 0
    try:
        c.subscribe([args.topic])
        if args.mode == "single":
            while got < n:
                m = c.poll(1.0)
                if m is None:
                    guard.check(got, n)
                    continue
                err = m.error()
                if err is not None:
                    consumer_error(err)
                    continue
                if got == 0:
                    t0 = now()  # the clock starts when the first message arrives
                got += 1
                v = m.value()
                if v is not None:
                    total += len(v)
        else:
            while got < n:
                msgs = c.consume(num_messages=min(args.batch, n - got), timeout=1.0)
                if not msgs:
                    guard.check(got, n)
                    continue
                if got == 0:
                    t0 = now()
                for m in msgs:
                    err = m.error()
                    if err is not None:
                        consumer_error(err)
                        continue
                    got += 1
                    v = m.value()
                    if v is not None:
                        total += len(v)
        elapsed = now() - t0
    finally:
        c.close()
    check_value_sum(total, args)
    emit(IMPL, args, elapsed)


if __name__ == "__main__":
    main(IMPL, {"produce": op_produce, "consume": op_consume, "crossing": op_crossing,
                "sync": op_sync})
