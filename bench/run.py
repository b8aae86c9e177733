#!/usr/bin/env python3
"""Runs the kafkabridge benchmark matrix (bench/README.md) against the broker in KAFKA_BROKERS and
writes bench/results/latest.json; bench/report.py turns that into latest.md and latest.png.

Repetitions are interleaved: every implementation runs once, then every implementation again, so
a noisy minute on this shared machine hits all of them rather than one.

The sections rdkafka and rdkafka-fpm compare the php-rdkafka extension (given PHP_RDKAFKA_SRC)
with kafkabridge's RdKafka\\ drop-in, running the same PHP script."""

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bindings" / "python"))
import kafkabridge  # noqa: E402  (the library's own Python binding, for topic admin)

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000000"))
REPS = int(os.environ.get("BENCH_REPS", "3"))
SYNC_MESSAGES = int(os.environ.get("BENCH_SYNC_MESSAGES", "2000"))
CROSSING_MESSAGES = int(os.environ.get("BENCH_CROSSING_MESSAGES", "200000"))
SECTIONS = os.environ.get("BENCH_ONLY",
                          "produce,consume,sync,crossing,fpm,rdkafka,rdkafka-fpm,proxy,profile").split(",")
SIZES = [100, 1024]
# bench/fpm/run.sh's runs, per op: a client per request against a persistent one.
FPM_VARIANTS = {
    "fpm": ",".join(f"{p}/{v}" for p in ("plaintext", "sasl_ssl")
                    for v in ("new-client-sync", "persistent-sync", "persistent-async", "phpredis-proxy")),
    "fpm-consume": ",".join(f"{p}/{v}" for p in ("plaintext", "sasl_ssl") for v in ("new-consumer", "persistent-consume")),
}
RUN_TIMEOUT = 600  # seconds; one run that hangs fails instead of stalling the whole benchmark

BROKERS = os.environ.get("KAFKA_BROKERS", "")
RUN_ID = time.strftime("%Y%m%d%H%M%S")
VENV_PY = sys.executable  # run.sh starts this script with the benchmark venv's python

PROGRAMS: Dict[str, List[str]] = {
    "rust-native": [str(ROOT / "target/release/examples/bench_native")],
    "c": [str(ROOT / "target/bench/bench_c")],
    "php": ["php", str(ROOT / "bench/php/bench.php")],
    "python": [VENV_PY, str(ROOT / "bench/python/kb_bench.py")],
    "python-confluent": [VENV_PY, str(ROOT / "bench/python/confluent_bench.py")],
    "go": [str(ROOT / "target/bench/go-kb")],
    "go-confluent": [str(ROOT / "target/bench/go-confluent")],
}

# (impl, mode) pairs of produce, consume and crossing. The ceiling comes first: ratios are
# taken against it.
MATRIX = [("rust-native", "single"), ("c", "single"), ("c", "batch"), ("php", "single"),
          ("php", "batch"), ("python", "single"), ("python", "batch"),
          ("python-confluent", "single"), ("python-confluent", "batch"), ("go", "single"),
          ("go", "batch"), ("go-confluent", "single")]
SYNC = [("rust-native", "single"), ("c", "single"), ("php", "single"), ("python", "single"),
        ("python-confluent", "single"), ("go", "single"), ("go-confluent", "single")]
# The php-rdkafka comparison (sections rdkafka and rdkafka-fpm): one PHP script written for the
# php-rdkafka extension, run on the extension (rdkafka-ext, only when PHP_RDKAFKA_SRC names its
# source: harness/php-rdkafka/build.sh builds it) and on kafkabridge's RdKafka\ drop-in
# (rdkafka-drop-in, always). The extension comes first: ratios are drop-in / extension.
RDKAFKA_IMPLS = ["rdkafka-ext", "rdkafka-drop-in"]
RDKAFKA_SCRIPT = str(ROOT / "bench/php/rdkafka_bench.php")
PROGRAMS["rdkafka-drop-in"] = ["php", RDKAFKA_SCRIPT]  # rdkafka-ext: once the extension is built
RDKAFKA_PARTITIONS = int(os.environ.get("BENCH_RDKAFKA_PARTITIONS", "1"))  # of the consume topics
RDKAFKA_CONF = os.environ.get("BENCH_RDKAFKA_CONF", "")  # read by the PHP scripts themselves
# Profiled (perf) crossing runs: where the time of one produce call goes, per language.
PROFILE = [("c", "single"), ("php", "single"), ("php", "batch"), ("python", "single"),
           ("python", "batch"), ("go", "single"), ("go", "batch")]


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run_json(cmd: List[str], env: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
    """Runs one measurement program and returns the JSON objects it printed (one per line)."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          env=None if env is None else {**os.environ, **env})
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not rows:
        raise RuntimeError(f"printed no JSON line; stderr: {proc.stderr.strip()[-2000:]}")
    return rows


class Bench:
    def __init__(self) -> None:
        self.runs: List[Dict[str, Any]] = []
        self.failures: List[Dict[str, Any]] = []
        self.profiles: List[Dict[str, Any]] = []
        self.admin = kafkabridge.Admin({"bootstrap.servers": BROKERS})
        self.rdkafka_ext: Optional[Dict[str, Any]] = None  # rdkafka_extension(), on first use

    def measure(self, impl: str, op: str, mode: str, size: int, messages: int, topic: str,
                rep: int) -> Optional[Dict[str, Any]]:
        cmd = PROGRAMS[impl] + [op, f"--brokers={BROKERS}", f"--topic={topic}",
                                f"--messages={messages}", f"--size={size}", f"--mode={mode}"]
        try:
            row = run_json(cmd)[-1]
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            log(f"FAILED {impl} {op} {mode} {size}: {e}")
            self.failures.append({"impl": impl, "op": op, "mode": mode, "size": size, "rep": rep,
                                  "command": shlex.join(cmd), "error": str(e)})
            return None
        row.update(impl=impl, op=op, mode=mode, size=size, rep=rep, command=shlex.join(cmd))
        self.runs.append(row)
        log(f"{op:8} {impl:16} {mode:6} {size:5}B rep {rep}: " + summary(row))
        return row

    def produce(self) -> None:
        for size in SIZES:
            for rep in range(1, REPS + 1):
                for impl, mode in MATRIX:
                    topic = f"bench-produce-{RUN_ID}-{size}-{impl}-{mode}-{rep}"
                    self.admin.create_topic(topic, partitions=1)
                    row = self.measure(impl, "produce", mode, size, MESSAGES, topic, rep)
                    if row is not None:
                        # Every message reported delivered must be in the log: the warm-up
                        # message plus N.
                        self.check_in_topic(row, topic, 1, MESSAGES + 1)
                    self.admin.delete_topic(topic)  # frees the broker's disk as we go

    def in_topic(self, topic: str, partitions: int) -> int:
        total = 0
        for p in range(partitions):
            low, high = self.admin.get_watermark_offsets(topic, p)
            total += high - low
        return total

    def check_in_topic(self, row: Dict[str, Any], topic: str, partitions: int, expected: int) -> None:
        """A run whose topic does not hold what it reported delivered counts as failed."""
        row["in_topic"] = n = self.in_topic(topic, partitions)
        if n != expected:
            self.runs.remove(row)  # a figure for messages that are not there
            self.failures.append({k: row[k] for k in ("impl", "op", "mode", "size", "rep", "command")} |
                                 {"error": f"topic holds {n} messages, expected {expected}"})

    def consume(self) -> None:
        for size in SIZES:
            topic = f"bench-consume-{RUN_ID}-{size}"
            self.admin.create_topic(topic, partitions=1)
            log(f"filling {topic} with {MESSAGES} messages of {size} bytes")
            run_json(PROGRAMS["rust-native"] + ["fill", f"--brokers={BROKERS}", f"--topic={topic}",
                                                f"--messages={MESSAGES}", f"--size={size}"])
            for rep in range(1, REPS + 1):
                for impl, mode in MATRIX:
                    self.measure(impl, "consume", mode, size, MESSAGES, topic, rep)
            self.admin.delete_topic(topic)

    def sync(self) -> None:
        topic = f"bench-sync-{RUN_ID}"
        self.admin.create_topic(topic, partitions=1)
        for rep in range(1, REPS + 1):
            for impl, mode in SYNC:
                self.measure(impl, "sync", mode, 100, SYNC_MESSAGES, topic, rep)
        self.admin.delete_topic(topic)

    def crossing(self) -> None:
        for rep in range(1, REPS + 1):
            for impl, mode in MATRIX:
                self.measure(impl, "crossing", mode, 100, CROSSING_MESSAGES, "bench-crossing", rep)

    def fpm(self) -> None:
        """bench/fpm/run.sh: the producing request (op fpm), then the consuming one (op
        fpm-consume), each a run of its own so that each stays within RUN_TIMEOUT."""
        cmd = ["bash", str(ROOT / "bench/fpm/run.sh")]
        for rep in range(1, REPS + 1):
            for op, variants in FPM_VARIANTS.items():
                env = {"BENCH_FPM_VARIANTS": variants}
                shown = f"BENCH_FPM_VARIANTS={variants} {shlex.join(cmd)}"
                try:
                    rows = run_json(cmd, env)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    log(f"FAILED php-fpm {op} rep {rep}: {e}")
                    self.failures.append({"impl": "php-fpm", "op": op, "rep": rep, "command": shown, "error": str(e)})
                    continue
                for row in rows:
                    row.update(rep=rep, command=shown)
                    self.runs.append(row)
                    log(f"fpm {row['protocol']:9} {row['variant']:18} rep {rep}: " + summary(row))

    def rdkafka_impls(self) -> List[str]:
        """The implementations of the php-rdkafka comparison this run can measure."""
        if self.rdkafka_ext is None:
            self.rdkafka_ext = rdkafka_extension()
            if self.rdkafka_ext.get("path"):
                PROGRAMS["rdkafka-ext"] = ["php", "-d", f"extension={self.rdkafka_ext['path']}", RDKAFKA_SCRIPT]
                log(f"php-rdkafka extension {self.rdkafka_ext['version']}: {self.rdkafka_ext['path']}")
            else:
                log(f"php-rdkafka extension rows skipped: {self.rdkafka_ext['skipped']}")
                if "error" in self.rdkafka_ext:
                    self.failures.append({"impl": "rdkafka-ext", "op": "build", "command": self.rdkafka_ext["command"],
                                          "error": self.rdkafka_ext["error"]})
        return [i for i in RDKAFKA_IMPLS if i in PROGRAMS]

    def rdkafka(self) -> None:
        """The same php-rdkafka script on the extension and on the drop-in: produce, then
        KafkaConsumer and legacy Consumer reading a pre-filled topic."""
        impls = self.rdkafka_impls()
        for size in SIZES:
            for rep in range(1, REPS + 1):
                for impl in impls:
                    topic = f"bench-rdkafka-produce-{RUN_ID}-{size}-{impl}-{rep}"
                    self.admin.create_topic(topic, partitions=1)
                    row = self.measure(impl, "produce", "single", size, MESSAGES, topic, rep)
                    if row is not None:
                        self.check_in_topic(row, topic, 1, MESSAGES + 1)  # the warm-up and N
                    self.admin.delete_topic(topic)
            topic = f"bench-rdkafka-consume-{RUN_ID}-{size}"
            self.admin.create_topic(topic, partitions=RDKAFKA_PARTITIONS)
            log(f"filling {topic} ({RDKAFKA_PARTITIONS} partitions) with {MESSAGES} messages of {size} bytes")
            cmd = PROGRAMS["rdkafka-drop-in"] + ["fill", f"--brokers={BROKERS}", f"--topic={topic}",
                                                 f"--messages={MESSAGES}", f"--size={size}"]
            try:
                run_json(cmd)
                held = self.in_topic(topic, RDKAFKA_PARTITIONS)
                if held != MESSAGES:
                    raise RuntimeError(f"topic holds {held} messages, expected {MESSAGES}")
            except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as e:
                log(f"FAILED filling {topic}: {e}")
                self.failures.append({"impl": "rdkafka-drop-in", "op": "fill", "mode": "single", "size": size,
                                      "command": shlex.join(cmd), "error": str(e)})
                self.admin.delete_topic(topic)
                continue
            for rep in range(1, REPS + 1):
                for op in ("consume", "legacy-consume"):
                    for impl in impls:
                        self.measure(impl, op, "single", size, MESSAGES, topic, rep)
            self.admin.delete_topic(topic)

    def rdkafka_fpm(self) -> None:
        """bench/fpm/run.sh with the same php-rdkafka endpoint on an extension pool and a drop-in
        pool, a new client per request, alternating."""
        impls = self.rdkafka_impls()
        # The drop-in also with KAFKABRIDGE_PERSISTENT=1: the same code, persistent.
        pools = impls + (["rdkafka-drop-in-auto"] if "rdkafka-drop-in" in impls else [])
        variants = ",".join(f"{proto}/{impl}" for proto in ("plaintext", "sasl_ssl") for impl in pools)
        env = {"BENCH_FPM_VARIANTS": variants}
        if "rdkafka-ext" in impls:
            env["BENCH_RDKAFKA_EXT"] = self.rdkafka_ext["path"]
        cmd = ["bash", str(ROOT / "bench/fpm/run.sh")]
        shown = shlex.join([f"{k}={v}" for k, v in env.items()] + cmd)
        for rep in range(1, REPS + 1):
            try:
                rows = run_json(cmd, env)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"FAILED php-fpm (php-rdkafka) rep {rep}: {e}")
                self.failures.append({"impl": "+".join(impls), "op": "rdkafka-fpm", "rep": rep,
                                      "command": shown, "error": str(e)})
                continue
            for row in rows:
                row.update(rep=rep, command=shown)
                self.runs.append(row)
                log(f"fpm {row['protocol']:9} {row['variant']:18} rep {rep}: " + summary(row))


    def proxy(self) -> None:
        """bench/proxy/run.sh: redis-benchmark XADD against redis-server and the proxy (queued and
        waiting), without and with pipelining, and the proxy's memory at many connections."""
        cmd = ["bash", str(ROOT / "bench/proxy/run.sh")]
        for rep in range(1, REPS + 1):
            try:
                rows = run_json(cmd)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"FAILED proxy rep {rep}: {e}")
                self.failures.append({"impl": "proxy", "op": "proxy-xadd", "rep": rep, "command": shlex.join(cmd), "error": str(e)})
                continue
            for row in rows:
                row.update(rep=rep, command=shlex.join(cmd))
                self.runs.append(row)
                what = f"{row['target']} -P {row['pipeline']}" if row["op"] == "proxy-xadd" else "connections"
                log(f"proxy {what} rep {rep}: " + summary(row))

    def profile(self) -> None:
        """perf samples of one crossing run per language, summed by binary and by symbol."""
        for impl, mode in PROFILE:
            data = ROOT / "target/bench/perf.data"
            cmd = (["perf", "record", "-q", "-F", "999", "-o", str(data), "--"] + PROGRAMS[impl] +
                   ["crossing", "--topic=bench-crossing", f"--messages={CROSSING_MESSAGES}", "--size=100",
                    f"--mode={mode}"])
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
            if proc.returncode != 0:
                log(f"profile {impl} {mode} skipped: {proc.stderr.strip()[-300:]}")
                continue
            report = ["perf", "report", "-i", str(data), "--stdio", "-q", "--no-children", "-g", "none"]
            self.profiles.append({
                "impl": impl, "mode": mode, "command": shlex.join(cmd),
                "by_binary": perf_rows(command_output(report + ["--sort", "dso"]), 1.0),
                "top_symbols": perf_rows(command_output(report + ["--sort", "dso,sym"]), 0)[:12],
            })
            log(f"profiled {impl} {mode}")


def perf_rows(text: str, min_percent: float) -> List[List[str]]:
    """[percent, binary(, symbol)] rows of `perf report --stdio -q` output."""
    rows = []
    for line in text.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].endswith("%") and float(parts[0][:-1]) >= min_percent:
            rows.append([parts[0]] + [p.strip() for p in parts[1].split("[.]" if "[.]" in parts[1] else "[k]", 1)])
    return rows


def summary(row: Dict[str, Any]) -> str:
    if row["op"] == "sync":
        return f"p50 {row['p50_us']:.0f} us, p99 {row['p99_us']:.0f} us"
    if row["op"] == "proxy-xadd":
        return f"{row['rps']:.0f} XADD/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms"
    if row["op"] == "proxy-connections":
        return f"{row['connections']} connections, RSS {row['rss_mib']} MiB ({row['kib_per_connection']} KiB each)"
    if row["op"] == "crossing":
        return f"{row['ns_per_msg']:.0f} ns/msg"
    if row["op"] in ("fpm", "rdkafka-fpm", "fpm-consume"):
        return (f"{row['rps']:.0f} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
                f"{row['new_connections_per_1000']} new conns/1000")
    return f"{row['rate']:.0f} msg/s"


def command_output(cmd: List[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def rdkafka_extension() -> Dict[str, Any]:
    """The php-rdkafka extension built from PHP_RDKAFKA_SRC (harness/php-rdkafka/build.sh copies
    the checkout to target/php-rdkafka/ and builds there; nothing is written into the checkout):
    {"path", "version", "src", "src_commit"}, or {"skipped": why} (plus "error" if it failed)."""
    src = os.environ.get("PHP_RDKAFKA_SRC", "")
    if not src:
        return {"skipped": "PHP_RDKAFKA_SRC not set"}
    cmd = ["bash", str(ROOT / "harness/php-rdkafka/build.sh")]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        proc = None
        error = str(e)
    lines = proc.stdout.strip().splitlines() if proc else []
    if proc is None or proc.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        if proc is not None:
            error = f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}"
        return {"skipped": f"building the extension from PHP_RDKAFKA_SRC={src} failed", "error": error,
                "command": f"PHP_RDKAFKA_SRC={shlex.quote(src)} " + shlex.join(cmd)}
    path = lines[-1]
    version = command_output(["php", "-d", f"extension={path}", "-r", "echo phpversion('rdkafka');"])
    return {"path": path, "version": version, "src": src,
            "src_commit": command_output(["git", "-C", src, "rev-parse", "--short", "HEAD"])}


def machine() -> Dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    os_name = next((l.split("=", 1)[1].strip('"') for l in Path("/etc/os-release").read_text()
                    .splitlines() if l.startswith("PRETTY_NAME=")), "unknown")
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "os": os_name}


def versions(runs: List[Dict[str, Any]], rdkafka_ext: Optional[Dict[str, Any]]) -> Dict[str, str]:
    import confluent_kafka
    go_mods = command_output(["go", "list", "-m", "-f", "{{.Path}} {{.Version}}",
                              "github.com/confluentinc/confluent-kafka-go/v2"])
    pom = (ROOT / "harness/kafka/pom.xml").read_text()
    kafka = pom.split("<kafka.version>", 1)[1].split("<", 1)[0]
    return {
        "kafkabridge": kafkabridge.version(),
        "kafkabridge_commit": command_output(["git", "-C", str(ROOT), "describe", "--always",
                                              "--dirty"]),
        "librdkafka (kafkabridge, rust-native)": kafkabridge.librdkafka_version(),
        "confluent-kafka (python)": confluent_kafka.__version__,
        "librdkafka (confluent-kafka)": confluent_kafka.libversion()[0],
        "confluent-kafka-go": go_mods.split(" ", 1)[-1] if go_mods != "unknown" else go_mods,
        # Programs that know it report the librdkafka they run on.
        **{f"librdkafka ({r['impl']})": r["librdkafka"] for r in runs if "librdkafka" in r},
        **({"php-rdkafka extension": f"{rdkafka_ext['version']} ({rdkafka_ext['src_commit']})"}
           if rdkafka_ext and rdkafka_ext.get("path") else {}),
        "apache kafka broker": kafka,
        "rustc": command_output(["rustc", "--version"]),
        "go": command_output(["go", "version"]),
        "php": command_output(["php", "-r", "echo PHP_VERSION;"]),
        "python": platform.python_version(),
        "nginx": command_output(["bash", "-c", "nginx -v 2>&1"]),
        "wrk": command_output(["bash", "-c", "wrk -v 2>&1 | head -1"]),
    }


def main() -> int:
    if not BROKERS:
        log("KAFKA_BROKERS is not set: run `make bench` (it starts the broker)")
        return 2
    bench = Bench()
    started = time.time()
    for section in SECTIONS:
        log(f"section {section}")
        getattr(bench, section.replace("-", "_"))()
    os.chdir(ROOT / "bench/go")  # so that `go list -m` sees the benchmark module
    result = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": "make bench",
        "settings": {"messages": MESSAGES, "reps": REPS, "sync_messages": SYNC_MESSAGES,
                     "crossing_messages": CROSSING_MESSAGES, "sections": SECTIONS,
                     "fpm_seconds": int(os.environ.get("BENCH_FPM_SECONDS", "10")),
                     "rdkafka_partitions": RDKAFKA_PARTITIONS, "rdkafka_conf": RDKAFKA_CONF},
        "duration_s": round(time.time() - started),
        "machine": machine(),
        "versions": versions(bench.runs, bench.rdkafka_ext),
        # The php-rdkafka comparison's extension: path and version, or why its rows were skipped
        # (absent when neither rdkafka section ran).
        **({"rdkafka_extension": bench.rdkafka_ext} if bench.rdkafka_ext is not None else {}),
        "runs": bench.runs,
        "failures": bench.failures,
        "profiles": bench.profiles,
    }
    out = ROOT / os.environ.get("BENCH_RESULTS", "bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {out / 'latest.json'}")
    # Every run checked its own figures (delivery confirmed, topic contents, value bytes).
    print(f"bench runs: {len(bench.runs)} passed, {len(bench.failures)} failed", flush=True)
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
