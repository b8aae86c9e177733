"""Shared parts of the Python benchmark programs: the command line, settings, the JSON line,
percentiles and failure handling of bench/README.md's contract."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Mapping, Optional

OPS = ("produce", "consume", "crossing", "sync")

# Settings of the `produce` op (and, with linger.ms changed, `crossing`).
PRODUCE_CONF: Dict[str, Any] = {
    "acks": "all",
    "linger.ms": 5,
    "compression.type": "none",
    "queue.buffering.max.messages": 1000000,
    "queue.buffering.max.kbytes": 1048576,
}
# Only for kafkabridge implementations: room for every undrained delivery report.
KB_PRODUCE_CONF: Dict[str, Any] = {"bridge.event.queue.size": 2000000}

CROSSING_CHUNK = 10000
SYNC_WARMUP = 100

# A consume run fails instead of waiting forever for messages the topic does not hold.
FIRST_MESSAGE_TIMEOUT_S = 60.0
NEXT_MESSAGE_TIMEOUT_S = 30.0
# Bound on waiting for one delivery report (sync op, warm-up).
REPORT_TIMEOUT_S = 30.0


class BenchError(Exception):
    """A run that must not print a figure."""


def parse_args(impl: str, argv: Optional[List[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog=impl, description=f"{impl} benchmark (bench/README.md)")
    ap.add_argument("op", choices=OPS)
    ap.add_argument("--brokers", default=None, help="HOST:PORT (not used by crossing)")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--size", type=int, required=True, help="value bytes per message")
    ap.add_argument("--mode", choices=("single", "batch"), default="single")
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args(argv)
    if args.messages <= 0:
        ap.error("--messages must be > 0")
    if args.size < 0:
        ap.error("--size must be >= 0")
    if args.batch <= 0:
        ap.error("--batch must be > 0")
    if args.op == "sync" and args.mode == "batch":
        ap.error("sync measures one synchronous send at a time; it has no batch mode")
    if args.op != "crossing" and not args.brokers:
        ap.error(f"--brokers is required for {args.op}")
    return args


def payload(size: int) -> bytes:
    return b"x" * size


def group_id(impl: str) -> str:
    return f"bench-{impl}-{os.getpid()}-{int(time.time())}"


def percentile(sorted_values: List[int], p: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        raise BenchError("percentile of no values")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def emit(impl: str, args: argparse.Namespace, elapsed_ns: int, **extra: Any) -> None:
    """Prints the one JSON line of a successful run."""
    if elapsed_ns <= 0:
        raise BenchError(f"measured time is {elapsed_ns} ns")
    seconds = elapsed_ns / 1e9
    out: Dict[str, Any] = {
        "impl": impl,
        "op": args.op,
        "mode": args.mode,
        "size": args.size,
        "messages": args.messages,
        "seconds": round(seconds, 6),
        "rate": round(args.messages / seconds, 1),
    }
    if args.mode == "batch":
        out["batch"] = args.batch
    out.update(extra)
    sys.stdout.write(json.dumps(out, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def sync_figures(latencies_ns: List[int]) -> Dict[str, float]:
    lat = sorted(latencies_ns)
    return {
        "p50_us": round(percentile(lat, 50) / 1e3, 3),
        "p99_us": round(percentile(lat, 99) / 1e3, 3),
        "mean_us": round(sum(lat) / len(lat) / 1e3, 3),
    }


class IdleGuard:
    """Fails a consume run when no message arrives for too long (missing messages would
    otherwise make it wait forever). Only consulted after an empty poll, so it costs nothing
    while messages flow."""

    def __init__(self) -> None:
        self.seen = 0
        self.deadline = time.monotonic() + FIRST_MESSAGE_TIMEOUT_S

    def check(self, received: int, wanted: int) -> None:
        if received != self.seen:  # progress since the last empty poll
            self.seen = received
            self.deadline = time.monotonic() + NEXT_MESSAGE_TIMEOUT_S
        elif time.monotonic() > self.deadline:
            limit = NEXT_MESSAGE_TIMEOUT_S if received else FIRST_MESSAGE_TIMEOUT_S
            raise BenchError(f"no message for {limit:.0f} s; received {received} of {wanted} "
                             f"(does the topic hold enough messages?)")


def check_value_sum(total: int, args: argparse.Namespace) -> None:
    expected = args.messages * args.size
    if total != expected:
        raise BenchError(f"value lengths sum to {total}, expected {expected} "
                         f"({args.messages} x {args.size})")


def main(impl: str, ops: Mapping[str, Callable[[argparse.Namespace], None]]) -> None:
    """Parses the command line and runs the op; any failure exits 1 with a message on stderr."""
    args = parse_args(impl)
    try:
        ops[args.op](args)
    except BenchError as e:
        print(f"{impl} {args.op}: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # unexpected: keep the trace for diagnosis
        traceback.print_exc()
        print(f"{impl} {args.op}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
