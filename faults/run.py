#!/usr/bin/env python3
"""`make faults`: Kafka misbehaves on purpose, on loopback, and the table says what happened to
every message: faults/results/latest.{md,json}. Each scenario runs once per settings row (the
defaults a new user gets, the settings the README recommends for the strictest guarantee, and
librdkafka's own defaults, to show what the first two protect against), with a broker of its own
(harness/kafka on FAULTS_PORT, its data under target/faults/), and checks its messages by
consuming the topic back:

  sent          messages produce() accepted
  at fault      acknowledged when the fault began (mid-stream: about a third)
  acknowledged  delivery reports without an error
  in Kafka      distinct messages found in the topic afterwards
  lost          messages neither in Kafka nor reported failed: must be 0 in every row
  duplicated    extra copies found
  reordered     messages found after a later one of their partition (first copies only)
  failures      delivery reports with an error (the caller was told)

Knobs: FAULTS_MESSAGES (1000000 per run; the unreachable scenarios send a hundredth of it,
at least 1000, in each of their three phases), FAULTS_ONLY (scenario names, comma-separated),
FAULTS_SETTINGS (settings rows, comma-separated), FAULTS_SUITE (the name on the last line), FAULTS_PORT (29092: the broker's first port; it takes four. Below Linux's ephemeral range, 32768 and up,
so no client's own end of a connection holds it: on 47092, started in `make test` after the suites that
open thousands of connections, the broker once found 47092 and 47094 in use), FAULTS_RESULTS (faults/results).
Exit status 1 if any row breaks its guarantee (and the table says which).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings/python"))

import kafkabridge as kb  # noqa: E402

MESSAGES = int(os.environ.get("FAULTS_MESSAGES", "1000000"))
ONLY = [s for s in os.environ.get("FAULTS_ONLY", "").split(",") if s]
ONLY_SETTINGS = [s for s in os.environ.get("FAULTS_SETTINGS", "").split(",") if s]
PORT = int(os.environ.get("FAULTS_PORT", "29092"))
RESULTS = Path(os.environ.get("FAULTS_RESULTS", ROOT / "faults/results"))
RUN_DIR = ROOT / "target/faults/broker"
PARTITIONS = 4
BOOTSTRAP = f"127.0.0.1:{PORT}"

# The settings rows. "strict" is the README's recommendation for the strongest guarantee without
# a spool: idempotent, acks from every in-sync replica, and no delivery deadline (a message waits
# in memory for Kafka as long as it takes; the queue's bound pushes back on the caller).
SETTINGS = {
    "defaults": {},
    "strict": {"acks": "all", "enable.idempotence": "true", "message.timeout.ms": "0"},
    "librdkafka defaults": {"enable.idempotence": "false"},
}
# Rows whose messages must arrive exactly once and in order (the third shows what can happen
# without idempotence: it only has to lose nothing).
EXACTLY_ONCE = {"defaults", "strict"}


def log(msg: str) -> None:
    print(f"faults: {msg}", file=sys.stderr, flush=True)


class Broker:
    """The scenario broker: harness/kafka/start.sh on FAULTS_PORT, killed and restarted on its
    own data by the scenarios."""

    def __init__(self) -> None:
        self.env = {**os.environ, "KAFKA_PORT": str(PORT), "KAFKA_RUN_DIR": str(RUN_DIR)}

    def start(self, keep_data: bool = False) -> None:
        env = {**self.env, "KAFKA_KEEP_DATA": "1" if keep_data else "0"}
        subprocess.run(["bash", str(ROOT / "harness/kafka/start.sh")], env=env, check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "harness/kafka/stop.sh")], env=self.env, check=False, stdout=subprocess.DEVNULL)

    def signal(self, sig: int) -> int:
        pid = int((RUN_DIR / "kafka.pid").read_text())
        os.kill(pid, sig)
        return pid

    def kill(self) -> None:
        """SIGKILL, then waits (bounded) until the process is gone."""
        pid = self.signal(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and _state(pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.05)


def _state(pid: int) -> str:
    return _state_of(Path(f"/proc/{pid}/stat"))


def _state_of(stat: Path) -> str:
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


@dataclass
class Row:
    scenario: str
    settings: str
    sent: int = 0
    acknowledged_at_fault: int = 0
    acknowledged: int = 0
    in_kafka: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    failures: int = 0
    seconds: float = 0.0
    broken: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # what the scenario checked besides the counts


class Run:
    """One producer's messages (value = sequence number, partition = seq % PARTITIONS) and what
    their delivery reports said."""

    def __init__(self, topic: str, settings: Dict[str, str], progress: Callable[[int], None] = lambda _: None) -> None:
        self.topic = topic
        self.progress = progress  # called with the acknowledged count after every drain
        self.producer = kb.Producer({"bootstrap.servers": BOOTSTRAP, **settings})
        self.sent = 0
        self.ids: Dict[int, int] = {}  # message id -> seq, until its report
        self.acked = 0
        self.failed: Dict[int, str] = {}

    def drain(self, timeout: float = 0.0) -> None:
        for ev in self.producer.poll_events(timeout, 10_000):
            if isinstance(ev, kb.DeliveryReport):
                # An id produce() never returned is the timed-out sync message's (kept as -1).
                seq = self.ids.pop(ev.message_id) if ev.message_id in self.ids else self.ids.pop(-1)
                if ev.error is None:
                    self.acked += 1
                else:
                    self.failed[seq] = str(ev.error)
            elif isinstance(ev, kb.ErrorEvent) and ev.fatal:
                raise RuntimeError(f"fatal producer error: {ev.message}")
        self.progress(self.acked)

    def produce(self, seq: int) -> None:
        while True:
            try:
                self.ids[self.producer.produce(self.topic, b"%d" % seq, partition=seq % PARTITIONS)] = seq
                self.sent += 1
                return
            except kb.QueueFullError:
                self.drain(0.1)  # backpressure: wait for reports, then retry

    def wait_reports(self, deadline_s: float) -> bool:
        """True once every report is in; False if the deadline passed first."""
        deadline = time.monotonic() + deadline_s
        while self.ids and time.monotonic() < deadline:
            self.drain(0.5)
        return not self.ids

    def finish(self, deadline_s: float) -> None:
        self.wait_reports(deadline_s)
        self.producer.close()


def read_back(topic: str) -> Dict[int, List[Tuple[int, Optional[bytes]]]]:
    """Every message of the topic, as (sequence number, kb-message-id header) per partition in
    offset order."""
    out: Dict[int, List[Tuple[int, Optional[bytes]]]] = {p: [] for p in range(PARTITIONS)}
    with kb.Consumer({"bootstrap.servers": BOOTSTRAP}) as c:
        ends = {p: c.get_watermark_offsets(topic, p, timeout=30)[1] for p in range(PARTITIONS)}
        c.assign([kb.TopicPartition(topic, p, kb.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        got = {p: 0 for p in range(PARTITIONS)}
        deadline = time.monotonic() + 300
        while any(got[p] < ends[p] for p in got) and time.monotonic() < deadline:
            for m in c.poll_batch(0.5, 10_000):
                if m.error is None:
                    out[m.partition].append((int(m.value), dict(m.headers).get("kb-message-id")))
                    got[m.partition] = m.offset + 1
    return out


def judge(row: Row, runs: List["Run | Tally"], found: Dict[int, List[Tuple[int, Optional[bytes]]]],
          producer_of: Callable[[int], int] = lambda seq: 0) -> None:
    """Counts what happened to every message; order is checked per partition among the
    messages of one producer (`producer_of` tells them apart)."""
    seen: set = set()
    ids: set = set()
    undroppable = 0  # duplicates a consumer cannot tell by their kb-message-id
    for seqs in found.values():
        highs: Dict[int, int] = {}
        for s, mid in seqs:
            high = highs.get(producer_of(s), -1)
            if s in seen:
                row.duplicated += 1
                undroppable += mid is None or mid not in ids
                continue
            seen.add(s)
            if mid is not None:
                ids.add(mid)
            if s < high:
                row.reordered += 1
            highs[producer_of(s)] = max(high, s)
    failed = {seq for r in runs for seq in r.failed}
    unreported = sum(len(r.ids) for r in runs)
    row.sent = sum(r.sent for r in runs)
    row.in_kafka = len(seen)
    row.acknowledged = sum(r.acked for r in runs)
    row.failures = len(failed)
    row.lost = sum(1 for s in range(row.sent) if s not in seen and s not in failed)
    arrived = len(failed & seen)
    if arrived:
        # A timed-out request the broker still carried out: "failed" means not confirmed.
        row.notes.append(f"{arrived} of the reported failures reached Kafka after all (sent before their deadline, written after it)")
    if unreported:
        row.broken.append(f"{unreported} messages never reported")
    if row.lost:
        row.broken.append(f"{row.lost} lost")
    if row.duplicated and not undroppable:
        row.notes.append(f"all {row.duplicated} duplicates repeat a kb-message-id: a consumer that drops repeated ids sees each message once")
    if row.settings in EXACTLY_ONCE and (undroppable or row.reordered):
        row.broken.append(f"{undroppable} duplicated, {row.reordered} reordered")


def produce_through(broker: Broker, scenario: str, settings_name: str, fault: Callable[[Broker], None]) -> Row:
    """MESSAGES through one producer; `fault` runs on a thread of its own once a third of them
    was acknowledged."""
    topic = new_topic(scenario)
    row = Row(scenario, settings_name)
    faulted: List[threading.Thread] = []

    def progress(acked: int) -> None:
        if not faulted and acked >= MESSAGES // 3:
            row.acknowledged_at_fault = acked
            faulted.append(threading.Thread(target=fault, args=(broker,)))
            faulted[0].start()

    t0 = time.monotonic()
    run = Run(topic, SETTINGS[settings_name], progress)
    for seq in range(MESSAGES):
        run.produce(seq)
        if seq % 1000 == 0:
            run.drain()
    run.finish(600)
    if not faulted:
        raise RuntimeError(f"{scenario}: the fault never ran ({run.acked} of {MESSAGES} acknowledged)")
    faulted[0].join()
    row.seconds = round(time.monotonic() - t0, 1)
    judge(row, [run], read_back(topic))
    return row


def broker_killed(broker: Broker) -> None:
    """Scenario 1: SIGKILL mid-stream, down for two seconds, restarted on the same data."""
    log("SIGKILL to the broker")
    broker.kill()
    time.sleep(2)  # the outage itself, not a wait for anything
    restart(broker)


def restart(broker: Broker) -> None:
    """the broker restarts on its data"""
    broker.start(keep_data=True)


@dataclass
class Tally:
    """What a producer in another process reported (the spool scenario's workers)."""
    sent: int = 0
    acked: int = 0
    failed: Dict[int, str] = field(default_factory=dict)
    ids: Dict[int, int] = field(default_factory=dict)  # unreported


WORKER = ROOT / "faults/spool_worker.py"


def spooled_outage(broker: Broker, scenario: str, settings_name: str) -> Row:
    """Scenario 4: a fire-and-forget worker with a spool lives through an outage and exits
    while Kafka is still away; the next worker on the spool sends what was kept."""
    spool = RUN_DIR.parent / f"spool-{uuid.uuid4().hex[:8]}"
    conf = {"bootstrap.servers": BOOTSTRAP, "message.timeout.ms": str(DELIVERY_DEADLINE_MS), **SETTINGS[settings_name],
            "bridge.spool.dir": str(spool), "bridge.exit.flush.timeout.ms": "1000", "bridge.spool.replay.interval.ms": "1000"}
    n = max(MESSAGES // 100, 1000)
    topic = new_topic(scenario)
    row = Row(scenario, settings_name)
    t0 = time.monotonic()
    worker = subprocess.Popen([sys.executable, str(WORKER), "produce", json.dumps(conf), topic, "0", str(n)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert worker.stdin and worker.stdout
    if worker.stdout.readline().strip() != "sent":
        raise RuntimeError(f"{scenario}: the worker did not start")
    row.acknowledged_at_fault = n
    broker.kill()
    worker.stdin.write("go\n")
    worker.stdin.flush()
    out = json.loads(worker.stdout.readline())
    worker.wait(60)
    if worker.returncode != 0:
        row.broken.append(f"the worker exited with {worker.returncode}")
    restart(broker)
    left = json.loads(subprocess.run([sys.executable, str(WORKER), "replay", json.dumps(conf)], check=True,
                                     capture_output=True, text=True, timeout=300).stdout)["left"]
    if left:
        row.broken.append(f"the spool still holds {len(left)} segment(s) after the replay")
    row.seconds = round(time.monotonic() - t0, 1)
    spooled = len(out["spooled"]) + len(out["unreported"])
    row.notes.append(f"{len(out['spooled'])} reported spooled during the outage, {len(out['unreported'])} spooled at exit; "
                     "the next worker re-sent them")
    # Spooled messages are neither acknowledged nor failed: they must turn up in Kafka.
    tally = Tally(sent=3 * n, acked=len(out["delivered"]), failed={s: "failed" for s in out["failed"]})
    judge(row, [tally], read_back(topic))
    if row.in_kafka < tally.acked + spooled:
        row.broken.append(f"{tally.acked + spooled - row.in_kafka} delivered or spooled messages are not in Kafka")
    return row


def spool_replay_killed(broker: Broker, scenario: str, settings_name: str) -> Row:
    """Scenario 4, crash: the process replaying a spool is SIGKILLed a third of the way through;
    the next one replays the rest."""
    spool = RUN_DIR.parent / f"spool-{uuid.uuid4().hex[:8]}"
    topic = new_topic(scenario)
    n = max(MESSAGES // 50, 2000)
    row = Row(scenario, settings_name)
    t0 = time.monotonic()
    # Written by a producer that never reaches Kafka (nothing listens on port 1).
    nowhere = {**SETTINGS[settings_name], "bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "500",
               "bridge.spool.dir": str(spool), "bridge.spool.replay.interval.ms": "3600000"}
    writer = Run(topic, nowhere)
    for seq in range(n):
        writer.produce(seq)
    writer.wait_reports(60)
    writer.producer.close()
    spooled = [seq for seq, why in writer.failed.items() if "kept in the spool" in why]
    if len(spooled) != n:
        row.broken.append(f"{n - len(spooled)} messages were not spooled")
    writer.failed = {s: w for s, w in writer.failed.items() if "kept in the spool" not in w}

    conf = {"bootstrap.servers": BOOTSTRAP, **SETTINGS[settings_name], "bridge.spool.dir": str(spool)}
    replayer = subprocess.Popen([sys.executable, str(WORKER), "replay", json.dumps(conf)], stdout=subprocess.DEVNULL)
    with kb.Consumer({"bootstrap.servers": BOOTSTRAP}) as c:
        def in_kafka() -> int:
            return sum(c.get_watermark_offsets(topic, p, timeout=10)[1] for p in range(PARTITIONS))
        wait_for(lambda: in_kafka() >= n // 3 or replayer.poll() is not None, 120)
        row.acknowledged_at_fault = in_kafka()
    replayer.kill()
    replayer.wait(30)
    log(f"{scenario}: SIGKILL to the replaying process at {row.acknowledged_at_fault} of {n} in Kafka")
    left = json.loads(subprocess.run([sys.executable, str(WORKER), "replay", json.dumps(conf)], check=True,
                                     capture_output=True, text=True, timeout=300).stdout)["left"]
    if left:
        row.broken.append(f"the spool still holds {len(left)} segment(s) after the second replay")
    row.seconds = round(time.monotonic() - t0, 1)
    judge(row, [Tally(sent=n, acked=0, failed=writer.failed)], read_back(topic))
    row.notes.append(f"{len(spooled)} spooled by a producer that never reached Kafka; its replayer SIGKILLed, the next one sent the rest")
    return row


PROXY = ROOT / "target/release/kafkabridge-proxy"
PROXY_CLIENTS = 8
PROXY_PIPELINE = 100


class ProxyProcess:
    """kafkabridge-proxy on a free loopback port against the scenario broker."""

    def __init__(self, settings: Dict[str, str]) -> None:
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        kafka = [a for k, v in {"bootstrap.servers": BOOTSTRAP, **settings}.items() for a in ("--kafka", f"{k}={v}")]
        self.cmd = [str(PROXY), "--listen", f"127.0.0.1:{self.port}", *kafka]
        self.start()

    def start(self) -> None:
        import socket
        self.proc = subprocess.Popen(self.cmd, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the proxy did not start")
                time.sleep(0.05)  # until it listens

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)


def proxy_killed(broker: Broker, scenario: str, settings_name: str) -> Row:
    """Scenario 7: the proxy SIGKILLed and restarted with clients connected, once while they
    XADD (waiting for delivery) and once with group entries read and partly acknowledged."""
    import redis  # redis-py, which `make faults` installs
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    topic = new_topic(scenario)
    row = Row(scenario, settings_name)
    proxy = ProxyProcess(SETTINGS[settings_name])
    n = max(MESSAGES // 10, 10_000)
    per_client = n // PROXY_CLIENTS
    acked: set = set()
    failed: Dict[int, str] = {}
    lock = threading.Lock()
    t0 = time.monotonic()

    def client(c: int) -> None:
        # No retries: redis-py would otherwise send a pipeline again after a dropped connection
        # (a duplicate of the client's own making); the scenario counts those as errors instead.
        r = redis.Redis(port=proxy.port, socket_timeout=60, retry=Retry(NoBackoff(), 0))
        seqs = list(range(c * per_client, (c + 1) * per_client))
        for i in range(0, len(seqs), PROXY_PIPELINE):
            batch = seqs[i:i + PROXY_PIPELINE]
            pipe = r.pipeline(transaction=False)
            for seq in batch:
                pipe.xadd(topic, {"value": str(seq), "partition": str(seq % PARTITIONS)})
            try:
                replies = pipe.execute(raise_on_error=False)
            except redis.RedisError as e:  # the connection went with the proxy: the client knows
                replies = [e] * len(batch)
                wait_for(lambda: _pings(r), 30)  # and goes on once the proxy is back
            with lock:
                for seq, rep in zip(batch, replies):
                    if isinstance(rep, Exception):
                        failed[seq] = str(rep)
                    else:
                        acked.add(seq)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(PROXY_CLIENTS)]
    for t in threads:
        t.start()
    while len(acked) < n // 3 and any(t.is_alive() for t in threads):
        time.sleep(0.01)  # watching the progress, as the other scenarios' callbacks do
    row.acknowledged_at_fault = len(acked)
    log(f"{scenario}: SIGKILL to the proxy at {len(acked)} acknowledged XADDs")
    proxy.kill()
    proxy.start()
    for t in threads:
        t.join()
    tally = Tally(sent=per_client * PROXY_CLIENTS, acked=len(acked), failed=failed)
    found = read_back(topic)
    judge(row, [tally], found, producer_of=lambda seq: seq // per_client)
    missing_acked = acked - {seq for seqs in found.values() for seq, _ in seqs}
    if missing_acked:
        row.broken.append(f"{len(missing_acked)} acknowledged XADDs are not in Kafka")
    else:
        row.notes.append(f"XADD: {len(failed)} answered with an error (their connection went with the proxy), every acknowledged one in Kafka")

    # Group entries: read everything, acknowledge the even ones, kill, read again.
    group = f"g-{uuid.uuid4().hex[:6]}"
    r = redis.Redis(port=proxy.port, socket_timeout=60)
    first = read_group(r, topic, group, lambda got: len(got) >= row.in_kafka + row.duplicated)
    # Every other entry of each partition: the commit can only take each partition's first
    # entry, the acknowledged ones above it travel in the commit's metadata.
    acks = [i for i, seq in first.items() if (seq // PARTITIONS) % 2 == 0]
    for i in range(0, len(acks), 1000):
        r.xack(topic, group, *acks[i:i + 1000])
    # The proxy commits what acknowledgements moved every 200 ms: kill it once Kafka has it.
    expect = {p: min((o for (pp, o), seq in ((entry_position(i), q) for i, q in first.items()) if pp == p and (seq // PARTITIONS) % 2), default=None)
              for p in range(PARTITIONS)}
    with kb.Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group}) as c:
        parts = [kb.TopicPartition(topic, p) for p in range(PARTITIONS)]
        committed = wait_for(lambda: all(tp.offset == expect[tp.partition] for tp in c.committed(parts)) or None, 30)
    if not committed:
        row.notes.append("the acknowledgements were not committed within 30 s")
    proxy.kill()
    proxy.start()
    r = redis.Redis(port=proxy.port, socket_timeout=60)
    unacked = {i for i, seq in first.items() if (seq // PARTITIONS) % 2}
    again = read_group(r, topic, group, lambda got: unacked <= set(got))
    if not unacked <= set(again):
        row.broken.append(f"{len(unacked - set(again))} unacknowledged group entries were not delivered again")
    else:
        row.notes.append(f"group: {len(first)} entries read, {len(acks)} acknowledged, proxy killed: all {len(unacked)} unacknowledged ones delivered again"
                         f", {len(set(again) - unacked)} acknowledged ones too (those the commit's metadata had no room for)")
    proxy.stop()
    row.seconds = round(time.monotonic() - t0, 1)
    return row


def entry_position(entry_id: bytes) -> Tuple[int, int]:
    """(partition, offset) of a proxy entry id, `<partition>-<offset + 1>`."""
    partition, seq = entry_id.split(b"-")
    return int(partition), int(seq) - 1


def _pings(r) -> bool:
    try:
        return bool(r.ping())
    except Exception:
        return False


def wait_for(condition: Callable[[], object], deadline_s: float) -> object:
    """Polls `condition` until it gives something true or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        time.sleep(0.05)
    return None


def read_group(r, topic: str, group: str, enough: Callable[[Dict[bytes, int]], bool], deadline_s: float = 120) -> Dict[bytes, int]:
    """Entries read with XREADGROUP > (a new group starts at the earliest offset), by id, until
    `enough` says so (and then what arrives within one more second) or the deadline."""
    got: Dict[bytes, int] = {}
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        done = enough(got)
        reply = r.xreadgroup(group, "c1", {topic: ">"}, count=1000, block=1000 if done else 5000)
        if not reply and done:
            break
        for _, entries in reply:
            for entry_id, fields in entries:
                got[entry_id] = int(fields[b"value"])
    return got


def new_topic(scenario: str) -> str:
    topic = f"faults-{scenario}-{uuid.uuid4().hex[:8]}"
    with kb.Admin({"bootstrap.servers": BOOTSTRAP}) as admin:
        admin.create_topic(topic, PARTITIONS, 1)
    return topic


# Scenario 3: how long a request can wait. Rows that leave message.timeout.ms unset get this
# deadline here (librdkafka's default is five minutes, longer than the run); strict has none
# by design (message.timeout.ms=0) and so waits out the outage.
DELIVERY_DEADLINE_MS = 5000
SYNC_TIMEOUT_S = 2.0
OUTAGE_S = 8.0  # longer than the deadline
MARGIN_S = 1.0  # what a call may take beyond its timeout before the row is called broken


def unreachable(broker: Broker, scenario: str, settings_name: str, fault: Callable[[Broker], None],
                repair: Callable[[Broker], None]) -> Row:
    """The broker stays unreachable longer than a request can wait, then comes back; one
    persistent client serves the sessions before, during and after (as a PHP worker's would)."""
    settings = {"message.timeout.ms": str(DELIVERY_DEADLINE_MS), **SETTINGS[settings_name],
                "bridge.persistent.name": f"faults-{scenario}-{settings_name}"}
    deadline_s = int(settings["message.timeout.ms"]) / 1000 or None
    n = max(MESSAGES // 100, 1000)  # per phase: before, during, after
    topic = new_topic(scenario)
    row = Row(scenario, settings_name)
    t0 = time.monotonic()
    before = Run(topic, settings)
    for seq in range(n):
        before.produce(seq)
    if not before.wait_reports(60) or before.failed:
        raise RuntimeError(f"{scenario}: the broker did not take the first {n} messages")

    log(f"{scenario}: {fault.__doc__}")
    fault(broker)
    row.acknowledged_at_fault = before.acked
    outage_began = time.monotonic()
    during = Run(topic, settings)  # a new session on the same client
    sync_seq = n
    t = time.monotonic()
    during.sent += 1
    try:
        during.producer.produce_sync(topic, b"%d" % sync_seq, partition=sync_seq % PARTITIONS, timeout=SYNC_TIMEOUT_S)
        during.acked += 1
        row.broken.append("a sync produce succeeded with the broker unreachable")
    except kb.KafkaTimeoutError:
        # A timed-out sync message stays queued: its report comes through the session's
        # events. The error carries no id; Run.drain knows it as -1.
        during.ids[-1] = sync_seq
        took = time.monotonic() - t
        row.notes.append(f"sync produce: timeout after {took:.1f} s of {SYNC_TIMEOUT_S:.0f}")
        if took > SYNC_TIMEOUT_S + MARGIN_S:
            row.broken.append(f"the sync produce took {took:.1f} s for a {SYNC_TIMEOUT_S:.0f} s timeout")
    except kb.KafkaBridgeError as e:
        during.failed[sync_seq] = str(e)
        row.notes.append(f"sync produce failed: {e}")
    for seq in range(n + 1, 2 * n):
        during.produce(seq)
    if deadline_s is not None:
        # Every message fails within its deadline (plus a margin), each with a report.
        reported = during.wait_reports(deadline_s + 10)
        row.notes.append(f"all {len(during.failed)} messages of the outage reported failed within the deadline" if reported
                         else f"{len(during.ids)} messages unreported {deadline_s + 10:.0f} s into the outage")
        if not reported:
            row.broken.append("reports missing during the outage")
    while time.monotonic() - outage_began < OUTAGE_S:
        during.drain(0.5)  # the rest of the outage
    log(f"{scenario}: {repair.__doc__}")
    repair(broker)

    after = Run(topic, settings)
    info = after.producer.info()
    for seq in range(2 * n, 3 * n):
        after.produce(seq)
    if not after.wait_reports(60):
        row.broken.append("messages produced after the broker returned were not delivered within 60 s")
    row.notes.append(f"after it returned: {after.acked} of {n} delivered through the same client" +
                     (" (reused)" if info.reused else ""))
    if not info.reused:
        row.broken.append("the persistent client was not reused")
    during.wait_reports(120 if deadline_s is None else 10)
    for r in (before, during, after):
        r.producer.close()

    row.seconds = round(time.monotonic() - t0, 1)
    judge(row, [before, during, after], read_back(topic))
    return row


def broker_gone(broker: Broker) -> None:
    """SIGKILL to the broker: connections refused until it is restarted"""
    broker.kill()


def broker_frozen(broker: Broker) -> None:
    """SIGSTOP to the broker: connections accepted, requests never answered (a blackhole)"""
    pid = broker.signal(signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while not _all_stopped(pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the kernel reports every thread stopped


def _all_stopped(pid: int) -> bool:
    tasks = list(Path(f"/proc/{pid}/task").glob("*"))
    return bool(tasks) and all(_state_of(t / "stat") == "T" for t in tasks)


def thaw(broker: Broker) -> None:
    """SIGCONT to the broker"""
    broker.signal(signal.SIGCONT)


DESCRIPTIONS = {
    "broker-kill": "the broker SIGKILLed a third into the stream and restarted on its data two seconds later",
    "broker-stopped": f"one persistent client; the broker SIGKILLed and left down {OUTAGE_S:.0f} s, longer than a "
                      f"message may wait ({DELIVERY_DEADLINE_MS} ms where the row sets no deadline), then restarted",
    "broker-frozen": f"the same with the broker SIGSTOPped (connections accepted, nothing answered) for {OUTAGE_S:.0f} s, then SIGCONTed",
    "spool": "a worker process with `bridge.spool.dir` produces fire-and-forget through a broker SIGKILL, sees its reports, "
             "produces more and exits while the broker is still down; the broker restarts and the next worker on the spool sends what was kept",
    "spool-replay-kill": "a spool of messages that never reached Kafka is replayed by a process SIGKILLed once a third of them "
                         "is in Kafka; the next process replays the rest",
    "proxy-kill": f"{PROXY_CLIENTS} redis-py clients XADD through kafkabridge-proxy (pipelines of {PROXY_PIPELINE}, each reply waiting for the delivery); "
                  "the proxy SIGKILLed a third into the stream and restarted; then a group reads every entry, acknowledges the even ones, "
                  "the proxy is SIGKILLed again and the group reads on",
}
Scenario = Callable[[Broker, str, str], Row]
SCENARIOS: Dict[str, Scenario] = {
    "broker-kill": lambda b, name, st: produce_through(b, name, st, broker_killed),
    "broker-stopped": lambda b, name, st: unreachable(b, name, st, broker_gone, restart),
    "broker-frozen": lambda b, name, st: unreachable(b, name, st, broker_frozen, thaw),
    "spool": spooled_outage,
    "spool-replay-kill": spool_replay_killed,
    "proxy-kill": proxy_killed,
}


def write(rows: List[Row]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"messages": MESSAGES, "rows": [asdict(r) for r in rows]}, indent=1) + "\n")
    lines = [
        "# Faults: what happened to every message",
        "",
        f"`make faults` ({MESSAGES:,} sequence-numbered messages per run in {PARTITIONS} partitions, one broker on loopback;"
        " faults/run.py says what each column counts). Lost must be 0 in every row.",
        "",
        "| scenario | settings | sent | at fault | acknowledged | in Kafka | lost | duplicated | reordered | failures reported | time s | guarantee | also checked |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        once = "exactly once, in order" if not r.duplicated else "exactly once by kb-message-id, in order"
        verdict = "broken: " + "; ".join(r.broken) if r.broken else (f"kept: {once}" if r.settings in EXACTLY_ONCE else "kept: nothing lost")
        lines.append(f"| {r.scenario} | {r.settings} | {r.sent:,} | {r.acknowledged_at_fault:,} | {r.acknowledged:,} | {r.in_kafka:,} | {r.lost:,} | {r.duplicated:,} | "
                     f"{r.reordered:,} | {r.failures:,} | {r.seconds} | {verdict} | {'; '.join(r.notes)} |")
    lines += ["", "Scenarios: " + "; ".join(f"{k}: {v}" for k, v in DESCRIPTIONS.items() if any(r.scenario == k for r in rows)) + ".",
              "", "Settings: " + "; ".join(f"{k}: {', '.join(f'`{a}={b}`' for a, b in v.items()) or 'none set'}" for k, v in SETTINGS.items()), ""]
    (RESULTS / "latest.md").write_text("\n".join(lines))


def main() -> int:
    broker = Broker()
    rows: List[Row] = []
    try:
        broker.start()
        for name, scenario in SCENARIOS.items():
            if ONLY and name not in ONLY:
                continue
            for settings_name in SETTINGS:
                if ONLY_SETTINGS and settings_name not in ONLY_SETTINGS:
                    continue
                log(f"{name} / {settings_name}")
                row = scenario(broker, name, settings_name)
                log(f"{name} / {settings_name}: {asdict(row)}")
                rows.append(row)
    finally:
        try:
            broker.signal(signal.SIGCONT)  # a scenario that failed while the broker was frozen
        except (OSError, ValueError):
            pass  # not running
        broker.stop()
    write(rows)
    print((RESULTS / "latest.md").read_text())
    broken = [r for r in rows if r.broken]
    print(f"{os.environ.get('FAULTS_SUITE', 'faults')}: {len(rows) - len(broken)} passed, {len(broken)} failed")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

