"""Many connections on one proxy: 5,000 clients at once, each answered, with the proxy's memory
measured (printed) and bounded."""
from __future__ import annotations

import resource
import selectors
import socket

import pytest

from test_proxy import client

CLIENTS = 5000


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_five_thousand_concurrent_clients_with_bounded_memory(start_proxy):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < CLIENTS + 500:
        pytest.skip(f"the open-files limit here is {hard}, below {CLIENTS + 500}: raise it (ulimit -n) to run this")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, CLIENTS + 500), hard))
    # The proxy inherits the raised limit.
    p = start_proxy("--maxclients", str(CLIENTS + 10))
    pid = p.proc.pid
    before = rss_kib(pid)
    socks = []
    try:
        for _ in range(CLIENTS):
            socks.append(socket.create_connection(("127.0.0.1", p.port), timeout=30))
        for s in socks:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        answered, got = 0, {}
        while answered < CLIENTS:
            events = sel.select(timeout=30)
            assert events, f"only {answered} of {CLIENTS} answered within 30 s of silence"
            for key, _ in events:
                data = key.fileobj.recv(64)
                got[key.fileobj] = got.get(key.fileobj, b"") + data
                if got[key.fileobj] == b"+PONG\r\n":
                    answered += 1
                    sel.unregister(key.fileobj)
        info = client(p).info("clients")
        assert info["connected_clients"] == CLIENTS + 1
        during = rss_kib(pid)
        per = (during - before) * 1024 / CLIENTS
        print(f"\nproxy RSS {before / 1024:.1f} MiB idle, {during / 1024:.1f} MiB with {CLIENTS} connections: {per / 1024:.1f} KiB per connection")
        assert per < 64 * 1024, f"{per / 1024:.1f} KiB per idle connection"
    finally:
        for s in socks:
            s.close()


def test_a_client_that_never_reads_stalls_alone_with_bounded_memory(start_proxy):
    """A client pipelining 64 MiB of ECHOs and reading none of the replies: the proxy stops
    reading its commands once the socket's buffers are full (its memory stays bounded: it holds
    one batch of replies, under --client-output-limit), and serves everyone else meanwhile."""
    p = start_proxy("--client-output-limit", str(1 << 20))
    before = rss_kib(p.proc.pid)
    command = b"*2\r\n$4\r\nECHO\r\n$500\r\n" + b"e" * 500 + b"\r\n"
    chunk = command * 2000  # about 1 MiB of commands, 1 MiB of replies
    slow = socket.create_connection(("127.0.0.1", p.port), timeout=30)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sent = 0
    slow.settimeout(3)
    try:
        while sent < 64 << 20:
            slow.sendall(chunk)
            sent += len(chunk)
    except socket.timeout:
        pass  # the proxy stopped reading: what this test waits for (the send blocked for 3 s)
    assert sent < 64 << 20, "the proxy read 64 MiB of commands whose replies nobody read"
    grown = rss_kib(p.proc.pid) - before
    print(f"\nslow reader: {sent >> 20} MiB of commands taken, the proxy grew {grown} KiB")
    assert grown < 32 * 1024, f"the proxy grew {grown} KiB for one client that does not read"
    assert client(p).ping() is True
    slow.close()
