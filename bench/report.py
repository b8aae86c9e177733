#!/usr/bin/env python3
"""Turns bench/results/latest.json (written by bench/run.py) into latest.md and latest.png:
medians over the repetitions, ratios against the ceiling or the peer, and the targets of the
scoreboard with how far each one is met. Usage: report.py [RESULTS_JSON]"""

import json
import sys
from collections import defaultdict
from pathlib import Path
from statistics import median
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
SIZE_NAMES = {100: "100 B", 1024: "1 KiB"}
# The php-rdkafka comparison (run.py's rdkafka and rdkafka-fpm sections): its rows have tables of
# their own and stay out of the others.
RDKAFKA_IMPLS = ("rdkafka-ext", "rdkafka-drop-in")
# The drop-in pool with KAFKABRIDGE_PERSISTENT=1: the same code, persistent with no change.
AUTO_IMPL = "rdkafka-drop-in-auto"
RDKAFKA_SCENARIOS = [
    ("produce", "produce: `Producer`, `dr_msg_cb`, `produce()`, `poll(0)` every 1,000, `flush()`"),
    ("consume", "consume: `KafkaConsumer::consume(1000)` to EOF"),
    ("legacy-consume", "legacy consume: `Consumer`, `consumeStart()`, `ConsumerTopic::consume(p, 1000)` to EOF"),
]
ERR_NAMES = {-191: "_PARTITION_EOF", -185: "_TIMED_OUT", -195: "_TRANSPORT", -187: "_ALL_BROKERS_DOWN",
             -192: "_MSG_TIMED_OUT", -150: "_FATAL"}

Row = Dict[str, Any]


def medians(runs: List[Row], op: str, key: Tuple[str, ...], fields: Tuple[str, ...]) -> Dict[tuple, Row]:
    """Median of each field over the repetitions of each group of runs of one op."""
    groups: Dict[tuple, List[Row]] = defaultdict(list)
    for r in runs:
        if r["op"] == op:
            groups[tuple(r[k] for k in key)].append(r)
    return {k: {**{f: median(r[f] for r in rs) for f in fields}, "reps": len(rs)}
            for k, rs in groups.items()}


def fmt_rate(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:,.0f}"


def fmt_ratio(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:.2f}"


def table(head: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


class Report:
    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        runs = [r for r in data["runs"] if r["impl"] not in RDKAFKA_IMPLS + (AUTO_IMPL,)]
        self.rdk_runs = [r for r in data["runs"] if r["impl"] in RDKAFKA_IMPLS + (AUTO_IMPL,)]
        self.rdk = {op: medians(self.rdk_runs, op, ("impl", "size"), ("rate",)) for op, _ in RDKAFKA_SCENARIOS}
        self.rdk_fpm = medians(self.rdk_runs, "rdkafka-fpm", ("impl", "protocol"),
                               ("rps", "p50_ms", "p99_ms", "new_connections_per_1000", "rss_mib",
                                "pss_mib", "requests", "messages_in_topic"))
        self.thru = {op: medians(runs, op, ("impl", "mode", "size"), ("rate",))
                     for op in ("produce", "consume")}
        self.sync = medians(runs, "sync", ("impl", "mode"), ("p50_us", "p99_us", "mean_us"))
        self.crossing = medians(runs, "crossing", ("impl", "mode"), ("ns_per_msg",))
        self.fpm = medians(runs, "fpm", ("protocol", "variant"),
                           ("rps", "p50_ms", "p99_ms", "new_connections_per_1000", "rss_mib",
                            "pss_mib", "requests", "messages_in_topic"))
        self.fpm_consume = medians(runs, "fpm-consume", ("protocol", "variant"),
                                   ("rps", "p50_ms", "p99_ms", "new_connections_per_1000", "rss_mib",
                                    "pss_mib", "requests", "messages_read"))
        self.proxy = medians(runs, "proxy-xadd", ("target", "pipeline"), ("rps", "p50_ms", "p99_ms"))
        self.proxy_conns = medians(runs, "proxy-connections", ("connections",), ("rss_idle_mib", "rss_mib", "kib_per_connection"))
        self.targets: List[List[str]] = []

    def rate(self, op: str, impl: str, mode: str, size: int) -> Optional[float]:
        m = self.thru[op].get((impl, mode, size))
        return m["rate"] if m else None

    def ratio(self, a: Optional[float], b: Optional[float]) -> Optional[float]:
        return a / b if a is not None and b else None

    def target(self, name: str, measured: Optional[float], goal: float, shown: str,
               higher_is_better: bool = True) -> None:
        if measured is None:
            self.targets.append([name, "not measured", "–"])
            return
        met = measured >= goal if higher_is_better else measured <= goal
        if met:
            verdict = "met"
        elif higher_is_better:
            verdict = f"missed by {(1 - measured / goal) * 100:.0f}%"
        else:
            verdict = f"missed by {(measured / goal - 1) * 100:.0f}%"
        self.targets.append([name, shown, verdict])

    def throughput_section(self, op: str, title: str) -> str:
        impls = sorted({(k[0], k[1]) for k in self.thru[op]}, key=self.order)
        rows = []
        for impl, mode in impls:
            row = [impl, mode]
            for size in SIZE_NAMES:
                r = self.rate(op, impl, mode, size)
                row += [fmt_rate(r), fmt_ratio(self.ratio(r, self.rate(op, "rust-native", "single", size)))]
            rows.append(row)
        head = ["implementation", "mode"]
        for name in SIZE_NAMES.values():
            head += [f"{name} msg/s", "vs ceiling"]
        return f"## {title}\n\n" + table(head, rows)

    @staticmethod
    def order(key: Tuple[str, str]) -> Tuple[int, int]:
        """The ceiling first, then each language with its peer; single before batch."""
        ranks = ["rust-native", "c", "php", "python", "python-confluent", "go", "go-confluent"]
        return (ranks.index(key[0]) if key[0] in ranks else 99, key[1] != "single")

    @staticmethod
    def fpm_order(key: Tuple[str, str]) -> Tuple[str, int]:
        variants = ["new-client-sync", "persistent-sync", "persistent-async", "phpredis-proxy"]
        return (key[0], variants.index(key[1]) if key[1] in variants else 99)

    def rdkafka_section(self) -> str:
        """The same php-rdkafka script on the extension and on the drop-in, side by side."""
        d, s = self.data, self.data["settings"]
        ext = d.get("rdkafka_extension") or {}
        rows = []
        for op, name in RDKAFKA_SCENARIOS:
            if op == "legacy-consume" and s.get("rdkafka_partitions", 1) > 1:
                name = "legacy consume: `Consumer`, `consumeQueueStart()`, `Queue::consume(1000)` to EOF"
            for size, size_name in SIZE_NAMES.items():
                e, i = (self.rdk[op].get((impl, size)) for impl in RDKAFKA_IMPLS)
                if e or i:
                    re, ri = e and e["rate"], i and i["rate"]
                    rows.append([name + " (msg/s)", size_name, fmt_rate(re), fmt_rate(ri), fmt_ratio(self.ratio(ri, re))])
        for proto in ("plaintext", "sasl_ssl"):
            e, i = (self.rdk_fpm.get((impl, proto)) for impl in RDKAFKA_IMPLS)
            if e or i:
                re, ri = e and e["rps"], i and i["rps"]
                rows.append([f"PHP-FPM, a new client per request, {proto} (req/s)", "100 B",
                             fmt_rate(re), fmt_rate(ri), fmt_ratio(self.ratio(ri, re))])
        intro = ("One PHP script written for the php-rdkafka extension (`bench/php/rdkafka_bench.php`; "
                 "under PHP-FPM `bench/fpm/www/rdkafka.php`), run unchanged on the extension and on "
                 "kafkabridge's `RdKafka\\` drop-in, repetitions alternating. Ratios are drop-in / extension "
                 "(above 1: the drop-in is faster).")
        if ext.get("path"):
            intro += (f" Extension: php-rdkafka {ext['version']} (commit `{ext.get('src_commit', '?')}`), built by "
                      "`harness/php-rdkafka/build.sh` against the librdkafka kafkabridge links.")
        parts = ["## php-rdkafka: the extension vs the RdKafka\\ drop-in (the same PHP script)", intro]
        if ext.get("skipped"):
            parts.append(f"**php-rdkafka extension rows skipped: {ext['skipped']}.**")
        if rows:
            parts.append(table(["scenario", "size", "extension", "drop-in", "drop-in / extension"], rows))
        if self.rdk_fpm:
            fpm_rows = []
            order = RDKAFKA_IMPLS + (AUTO_IMPL,)
            for (impl, proto), m in sorted(self.rdk_fpm.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]))):
                fpm_rows.append([proto, impl, f"{m['rps']:,.0f}", f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}",
                                 f"{m['new_connections_per_1000']:.1f}", f"{m['rss_mib']:.1f}", f"{m['pss_mib']:.1f}",
                                 f"{m['messages_in_topic']:,.0f} / {m['requests']:,.0f}"])
            parts.append("PHP-FPM (setup as above; one request: `new RdKafka\\Producer`, `produce()`, "
                         "`flush()`, tear down; acks=all, linger.ms=0):\n\n" +
                         table(["protocol", "implementation", "req/s", "p50 ms", "p99 ms",
                                "new broker conns / 1000 req", "RSS MiB / worker", "PSS MiB / worker",
                                "in topic / requests"], fpm_rows))
            for proto in ("plaintext", "sasl_ssl"):
                plain, auto = self.rdk_fpm.get(("rdkafka-drop-in", proto)), self.rdk_fpm.get((AUTO_IMPL, proto))
                if plain and auto:
                    parts.append(f"- {proto}: `{AUTO_IMPL}` (the same code with `env[KAFKABRIDGE_PERSISTENT] = 1` "
                                 f"in the pool) serves {auto['rps'] / plain['rps']:.1f}x the requests/s of the drop-in "
                                 "with a client per request")
        notes = []
        # error_cb calls the script counted: the same code should see the same callbacks.
        calls: Dict[Tuple[str, str], Dict[int, List[int]]] = defaultdict(lambda: defaultdict(list))
        for r in self.rdk_runs:
            for code, n in (r.get("error_cb") or {}).items():
                calls[(r["impl"], r["op"])][int(code)].append(n)
        if calls:
            seen = "; ".join(
                f"{impl} {op}: " + ", ".join(f"{ERR_NAMES.get(c, c)} ({c}) in {len(ns)} run(s), up to {max(ns)} per run"
                                             for c, ns in sorted(codes.items()))
                for (impl, op), codes in sorted(calls.items()))
            notes.append(f"`error_cb` calls counted (none elsewhere): {seen}.")
        notes.append("The producers set no `enable.idempotence`: kafkabridge (the drop-in) makes a producer "
                     "idempotent unless it is set, librdkafka (the extension) does not, so the same code "
                     "runs idempotent on the drop-in only; `BENCH_RDKAFKA_CONF=enable.idempotence=false` "
                     "(or `=true`) gives both the same setting.")
        if s.get("rdkafka_conf"):
            notes.append(f"This run added `{s['rdkafka_conf']}` (BENCH_RDKAFKA_CONF) to every producer of both.")
        parts.append("\n".join(f"- {n}" for n in notes))
        return "\n\n".join(parts)

    def sync_section(self) -> str:
        floor = self.sync.get(("rust-native", "single"))
        rows = []
        for impl, mode in sorted(self.sync, key=self.order):
            m = self.sync[(impl, mode)]
            rows.append([impl, f"{m['p50_us']:.0f}", f"{m['p99_us']:.0f}",
                         fmt_ratio(self.ratio(m["p50_us"], floor["p50_us"] if floor else None))])
        return ("## Synchronous produce latency (persistent producer, 100 B, acks=all, linger.ms=0)\n\n"
                + table(["implementation", "p50 µs", "p99 µs", "p50 vs native floor"], rows))

    def crossing_section(self) -> str:
        c = self.crossing.get(("c", "single"))
        rows = []
        for impl, mode in sorted(self.crossing, key=self.order):
            m = self.crossing[(impl, mode)]
            rows.append([impl, mode, f"{m['ns_per_msg']:.0f}",
                         fmt_ratio(self.ratio(m["ns_per_msg"], c["ns_per_msg"] if c else None))])
        return ("## Cost of one produce call (mock cluster, 100 B, only the calls timed)\n\n"
                + table(["implementation", "mode", "ns per message", "vs C"], rows))

    def fpm_section(self) -> str:
        rows = []
        for (proto, variant), m in sorted(self.fpm.items(), key=lambda kv: self.fpm_order(kv[0])):
            rows.append([proto, variant, f"{m['rps']:,.0f}", f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}",
                         f"{m['new_connections_per_1000']:.1f}", f"{m['rss_mib']:.1f}",
                         f"{m['pss_mib']:.1f}", f"{m['messages_in_topic']:,.0f} / {m['requests']:,.0f}"])
        text = table(["protocol", "variant", "req/s", "p50 ms", "p99 ms", "new broker conns / 1000 req",
                      "RSS MiB / worker", "PSS MiB / worker", "in topic / requests"], rows)
        ratios = []
        for proto in ("plaintext", "sasl_ssl"):
            new, pers = self.fpm.get((proto, "new-client-sync")), self.fpm.get((proto, "persistent-sync"))
            if new and pers:
                ratios.append(f"{proto}: persistent session {pers['rps'] / new['rps']:.1f}x the requests/s "
                              f"of a new client per request")
            proxy = self.fpm.get((proto, "phpredis-proxy"))
            if proxy and pers:
                ratios.append(f"{proto}: phpredis through kafkabridge-proxy {proxy['rps'] / pers['rps']:.2f}x the requests/s "
                              f"of the FFI persistent session")
        return ("## The PHP-FPM request (nginx + php-fpm, 4 workers, wrk; one message per request)\n\n"
                + text + "\n\n" + "\n".join(f"- {r}" for r in ratios))

    def fpm_consume_section(self) -> str:
        rows = []
        for (proto, variant), m in sorted(self.fpm_consume.items()):
            rows.append([proto, variant, f"{m['rps']:,.0f}", f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}",
                         f"{m['messages_read'] / m['requests']:.1f}", f"{m['new_connections_per_1000']:.1f}",
                         f"{m['rss_mib']:.1f}"])
        text = table(["protocol", "variant", "req/s", "p50 ms", "p99 ms", "messages / request",
                      "new broker conns / 1000 req", "RSS MiB / worker"], rows)
        ratios = []
        for proto in ("plaintext", "sasl_ssl"):
            new, pers = self.fpm_consume.get((proto, "new-consumer")), self.fpm_consume.get((proto, "persistent-consume"))
            if new and pers:
                ratios.append(f"{proto}: persistent member {pers['rps'] / new['rps']:.1f}x the requests/s "
                              f"of a new consumer per request")
        return ("## The consuming PHP-FPM request (\"give me up to 10 messages, then commit\"; 4 workers, wrk)\n\n"
                "Messages per request counts what the group committed during the run. Each request "
                "commits synchronously: the broker's group coordinator answers an offset commit after "
                "`group.coordinator.append.linger.ms` (5 ms by default), which bounds a worker's rate.\n\n"
                + text + "\n\n" + "\n".join(f"- {r}" for r in ratios))

    def proxy_section(self) -> str:
        rows = []
        order = ["redis-server", "proxy-queue", "proxy-wait"]
        for (target, pipeline), m in sorted(self.proxy.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]) if kv[0][0] in order else 9)):
            anchor = self.proxy.get(("redis-server", pipeline))
            rows.append([target, str(pipeline), f"{m['rps']:,.0f}", f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}",
                         fmt_ratio(self.ratio(m["rps"], anchor["rps"] if anchor else None))])
        text = ("## The RESP proxy: XADD through redis-benchmark (50 clients, 100-byte values)\n\n"
                "`redis-server` is Redis's own XADD in memory on the same machine (the anchor); `proxy-queue` "
                "replies once the message is queued for Kafka, `proxy-wait` once Kafka acknowledged it. Every "
                "run checks that the stream or topic holds what was answered.\n\n"
                + table(["target", "pipeline", "XADD/s", "p50 ms", "p99 ms", "vs redis-server"], rows))
        for (n,), m in sorted(self.proxy_conns.items()):
            text += (f"\n\nThe proxy with {n:,} idle client connections (each answered once): RSS {m['rss_mib']:.1f} MiB "
                     f"(idle {m['rss_idle_mib']:.1f} MiB), {m['kib_per_connection']:.1f} KiB per connection.")
        return text

    def profile_section(self) -> str:
        """perf's view of one crossing run per language: the share of each binary, then the
        hottest symbols."""
        text = ["## Where the time of a produce call goes (perf, crossing run on the mock cluster)",
                "Shares of all samples of the process, start-up and untimed flushes included. "
                "`libkafkabridge.so` contains librdkafka (statically linked; `rd_kafka_*` symbols)."]
        for p in self.data["profiles"]:
            binaries = ", ".join(f"{b} {pct}" for pct, b in ((r[0], r[1]) for r in p["by_binary"]))
            symbols = "; ".join(f"{r[2] if len(r) > 2 else r[1]} ({r[1]}) {r[0]}" for r in p["top_symbols"][:6])
            text.append(f"- **{p['impl']} {p['mode']}**: {binaries}.  \n  Hottest: {symbols}.")
        return "\n\n".join(text)

    def evaluate_targets(self) -> None:
        for size, name in SIZE_NAMES.items():
            ceiling = self.rate("produce", "rust-native", "single", size)
            for mode, goal in (("batch", 0.8), ("single", 0.5)):
                r = self.ratio(self.rate("produce", "php", mode, size), ceiling)
                self.target(f"PHP {mode} produce ≥ {goal:.0%} of the ceiling ({name})", r, goal,
                            f"{r:.0%}" if r is not None else "–")
        for op in ("produce", "consume"):
            for lang, peer in (("python", "python-confluent"), ("go", "go-confluent")):
                for size, name in SIZE_NAMES.items():
                    peer_best = max((v for v in (self.rate(op, peer, m, size) for m in ("single", "batch"))
                                     if v is not None), default=None)
                    single = self.ratio(self.rate(op, lang, "single", size), self.rate(op, peer, "single", size))
                    self.target(f"{lang} {op} per message ≥ {peer} ({name})", single, 1.0,
                                f"{single:.2f}x" if single is not None else "–")
                    batch = self.ratio(self.rate(op, lang, "batch", size), peer_best)
                    self.target(f"{lang} {op} batch > {peer} ({name})", batch, 1.0,
                                f"{batch:.2f}x" if batch is not None else "–")
        new, pers = self.fpm.get(("sasl_ssl", "new-client-sync")), self.fpm.get(("sasl_ssl", "persistent-sync"))
        if new and pers:
            x = pers["rps"] / new["rps"]
            self.target("PHP-FPM persistent ≥ 10x req/s of a new client per request (SASL_SSL)", x, 10.0, f"{x:.1f}x")
            self.target("PHP-FPM persistent p99 < new-client p50 (SASL_SSL)", pers["p99_ms"], new["p50_ms"],
                        f"{pers['p99_ms']:.2f} ms vs {new['p50_ms']:.2f} ms", higher_is_better=False)
        for pipeline in (1, 16):
            queued, anchor = self.proxy.get(("proxy-queue", pipeline)), self.proxy.get(("redis-server", pipeline))
            r = self.ratio(queued["rps"] if queued else None, anchor["rps"] if anchor else None)
            self.target(f"proxy fire-and-forget XADD ≥ 80% of redis-server's (pipeline {pipeline})", r, 0.8,
                        f"{r:.2f}x" if r is not None else "–")
        floor = self.sync.get(("rust-native", "single"))
        for impl in ("c", "php", "python", "go"):
            m = self.sync.get((impl, "single"))
            r = self.ratio(m["p50_us"], floor["p50_us"]) if m and floor else None
            self.target(f"{impl} synchronous produce p50 ≤ 1.5x the native floor", r, 1.5,
                        f"{r:.2f}x" if r is not None else "–", higher_is_better=False)

    def markdown(self) -> str:
        d = self.data
        self.evaluate_targets()
        s = d["settings"]
        parts = [
            "# kafkabridge benchmark results",
            f"Generated {d['generated']} by `{d['command']}` in {d['duration_s'] // 60} min "
            f"{d['duration_s'] % 60} s. Every figure is the median of {s['reps']} interleaved "
            f"repetitions, measured side by side in this one run; compare ratios, not absolute "
            f"numbers (shared, noisy machine). Throughput runs send {s['messages']:,} messages "
            "each with acks=all and every delivery confirmed.",
            "![benchmark chart](latest.png)",
            "## Targets\n\n" + table(["target", "measured", "verdict"], self.targets),
        ]
        if any(t[2].startswith("missed") for t in self.targets):
            parts.append("Where a target is missed, [bench/README.md](../README.md#what-the-profiles-show-where-"
                         "targets-are-missed) says what the profiles show is the cost; the perf section below "
                         "has this run's profiles.")
        if self.thru["produce"]:
            parts.append(self.throughput_section("produce", "Producer throughput (acks=all, delivery confirmed)"))
        if self.thru["consume"]:
            parts.append(self.throughput_section("consume", "Consumer throughput (pre-filled topic, read to the end)"))
        if self.fpm:
            parts.append(self.fpm_section())
        if self.fpm_consume:
            parts.append(self.fpm_consume_section())
        if self.proxy:
            parts.append(self.proxy_section())
        if self.rdk_runs or d.get("rdkafka_extension"):
            parts.append(self.rdkafka_section())
        if self.sync:
            parts.append(self.sync_section())
        if self.crossing:
            parts.append(self.crossing_section())
        if d.get("profiles"):
            parts.append(self.profile_section())
        m = d["machine"]
        parts.append("## Machine and versions\n\n" + table(["what", "value"], [
            ["machine", f"{m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, Linux {m['kernel']}"],
            *[[k, f"`{v}`"] for k, v in d["versions"].items()]]))
        if d["failures"]:
            parts.append("## Failed runs\n\n" + table(["impl", "op", "mode", "size", "rep", "error"], [
                [str(f.get(k, "")) for k in ("impl", "op", "mode", "size", "rep")] +
                [f.get("error", "").replace("\n", " ").replace("|", "/")[:300]] for f in d["failures"]]))
        parts.append("Reproduce with `make bench` (knobs in [bench/README.md](../README.md)); every command "
                     "and every repetition is in `latest.json`.")
        return "\n\n".join(parts) + "\n"

    def chart(self, path: Path) -> None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(2, 2, figsize=(14, 9.5))
        for ax, op in zip(axes[0], ("produce", "consume")):
            keys = sorted({(k[0], k[1]) for k in self.thru[op]}, key=self.order)
            labels = [f"{i}\n{m}" for i, m in keys]
            width = 0.4
            for j, (size, name) in enumerate(SIZE_NAMES.items()):
                ceiling = self.rate(op, "rust-native", "single", size)
                vals = [100 * (self.ratio(self.rate(op, i, m, size), ceiling) or 0) for i, m in keys]
                ax.bar([x + (j - 0.5) * width for x in range(len(keys))], vals, width, label=name)
            ax.axhline(100, color="grey", linewidth=0.8, linestyle="--")
            ax.set_xticks(range(len(keys)), labels, fontsize=7, rotation=45, ha="right")
            ax.set_ylabel("% of native Rust messages/s")
            ax.set_title(f"{op.capitalize()} throughput vs the native ceiling")
            ax.legend(fontsize=8)
        ax = axes[1][0]
        keys = sorted(self.fpm, key=self.fpm_order)
        if keys:
            ax.bar(range(len(keys)), [self.fpm[k]["rps"] for k in keys],
                   color=["tab:red" if "new-client" in k[1] else "tab:green" for k in keys])
            ax.set_yscale("log")
            ax.set_xticks(range(len(keys)), [f"{p}\n{v}" for p, v in keys], fontsize=7, rotation=30, ha="right")
            ax.set_ylabel("requests/s (log scale)")
            ax.set_title("PHP-FPM: one message per request")
        ax = axes[1][1]
        keys = sorted(self.crossing, key=self.order)
        if keys:
            ax.bar(range(len(keys)), [self.crossing[k]["ns_per_msg"] for k in keys], color="tab:purple")
            ax.set_xticks(range(len(keys)), [f"{i}\n{m}" for i, m in keys], fontsize=7, rotation=45, ha="right")
            ax.set_ylabel("ns per message")
            ax.set_title("Cost of one produce call (mock cluster)")
        fig.suptitle(f"kafkabridge benchmarks, {self.data['generated']} (medians of "
                     f"{self.data['settings']['reps']} runs; make bench)")
        fig.tight_layout()
        fig.savefig(path, dpi=90)


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/results/latest.json"
    report = Report(json.loads(src.read_text()))
    src.with_suffix(".md").write_text(report.markdown())
    report.chart(src.with_suffix(".png"))
    print(f"wrote {src.with_suffix('.md')} and {src.with_suffix('.png')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
