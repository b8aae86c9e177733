"""phpredis under a real php-fpm, the PHP host the proxy is for: a static pool whose workers
keep one persistent connection each (pconnect) to the proxy across requests; XADD per request,
then "read up to 10, acknowledge" per request until every message was read once."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "fpm"
FPM = "/usr/sbin/php-fpm8.2"
WORKERS = 2

pytestmark = pytest.mark.skipif(
    not (os.access(FPM, os.X_OK) and shutil.which("cgi-fcgi") and shutil.which("php")
         and b"redis" in subprocess.run(["php", "-m"], capture_output=True).stdout),
    reason="needs php8.2-fpm, php8.2-redis and libfcgi-bin (make deps installs them)")


@pytest.fixture
def fpm(tmp_path, start_proxy):
    proxy = start_proxy()
    conf = tmp_path / "php-fpm.conf"
    conf.write_text(f"""[global]
pid = {tmp_path}/fpm.pid
error_log = {tmp_path}/fpm.log
daemonize = no
[proxy]
listen = {tmp_path}/fpm.sock
pm = static
pm.max_children = {WORKERS}
catch_workers_output = yes
clear_env = yes
env[PROXY_PORT] = {proxy.port}
php_admin_flag[log_errors] = on
""")
    cmd = [FPM, "-F", "-y", str(conf)] + (["-R"] if os.getuid() == 0 else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (tmp_path / "fpm.sock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield proxy, tmp_path / "fpm.sock", proc.pid
    proc.terminate()
    proc.wait(timeout=30)


def request(sock: Path, script: str, query: str) -> dict:
    env = {"SCRIPT_FILENAME": str(HERE / script), "SCRIPT_NAME": f"/{script}", "REQUEST_METHOD": "GET", "QUERY_STRING": query}
    out = subprocess.run(["cgi-fcgi", "-bind", "-connect", str(sock)], env=env, capture_output=True, timeout=60).stdout
    return json.loads(out.split(b"\r\n\r\n", 1)[1])


def proxy_connections(port: int, pids: set[int]) -> dict[int, int]:
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( dport = :{port} )"], capture_output=True, text=True).stdout
    counts: dict[int, int] = {}
    for pid in (int(p.split("=")[1]) for p in re.findall(r"pid=\d+", out)):
        if pid in pids:
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def test_phpredis_pconnect_xadd_then_read_and_ack(fpm, new_topic, read_back):
    proxy, sock, master = fpm
    topic, n = new_topic(1), 200
    replies = [request(sock, "xadd.php", f"n={i}&topic={topic}") for i in range(n)]
    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]][:3]
    ids = [r["id"] for r in replies]
    assert ids == [f"0-{i + 1}" for i in range(n)], "each XADD was delivered before its reply"
    msgs = read_back(topic)
    assert [(m.key, m.value, m.headers) for m in msgs] == [(f"k{i}".encode(), f"m{i}".encode(), [("trace", b"t\0" + str(i).encode())]) for i in range(n)]
    workers = {r["pid"] for r in replies}
    assert len(workers) == WORKERS and master not in workers
    # One persistent connection per worker, kept across its requests.
    assert proxy_connections(proxy.port, workers) == {w: 1 for w in workers}

    read, deadline = {}, time.monotonic() + 120
    while len(read) < n and time.monotonic() < deadline:
        r = request(sock, "read.php", f"topic={topic}&group=fpm-readers")
        assert r["ok"], r
        assert r["acked"] == len(r["entries"])
        for eid, value in r["entries"].items():
            assert eid not in read, f"{eid} read twice"
            read[eid] = value
    assert read == {f"0-{i + 1}": f"m{i}" for i in range(n)}
    assert proxy_connections(proxy.port, workers) == {w: 1 for w in workers}
