"""kafkabridge-proxy driven by a real Redis client (redis-py) and by raw sockets, against the
real broker: what a client sends arrives in Kafka byte for byte, and every limit holds."""
from __future__ import annotations

import socket
import subprocess
import time

import pytest
import redis

from conftest import BINARY


def client(proxy, protocol=2, **kw) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=proxy.port, protocol=protocol, socket_timeout=30, **kw)


def raw(proxy, data: bytes, expect_close: bool = True) -> bytes:
    """Sends `data` on a fresh connection and returns what came back until the proxy closed
    it (or, with expect_close False, the first reply)."""
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
            if not expect_close and out.endswith(b"\r\n"):
                return out


@pytest.mark.parametrize("protocol", [2, 3])
def test_connection_commands_in_resp2_and_resp3(start_proxy, protocol):
    p = start_proxy()
    r = client(p, protocol)
    assert r.ping() is True
    assert r.echo(b"\x00\r\n\xff") == b"\x00\r\n\xff"
    hello = r.execute_command("HELLO", protocol)
    hello = dict(zip(hello[::2], hello[1::2])) if isinstance(hello, list) else hello
    assert hello[b"proto"] == protocol and hello[b"server"] == b"kafkabridge-proxy"
    assert r.client_setname("worker-1") is True
    assert r.client_getname() in ("worker-1", b"worker-1")
    assert isinstance(r.client_id(), int)
    assert r.execute_command("SELECT", 0) in (True, b"OK", "OK")
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", 1)
    with pytest.raises(redis.ResponseError, match="unknown command 'NOPE', with args beginning with: 'a'"):
        r.execute_command("NOPE", "a")
    assert r.command_count() >= 10
    info = r.info()
    assert info["connected_clients"] >= 1 and "xadd_total" in info


def test_xadd_round_trip_is_byte_exact_with_key_partition_and_headers(start_proxy, new_topic, read_back):
    topic = new_topic(3)
    r = client(start_proxy())
    value = bytes(range(256)) + b"\r\n\x00end"
    entry = r.xadd(topic, {"value": value, "key": b"k\x00\r\n", "partition": 2, "trace": b"\x01\x02", "h2": b""})
    [m] = read_back(topic, 3)
    assert (m.partition, m.value, m.key) == (2, value, b"k\x00\r\n")
    assert m.headers == [("trace", b"\x01\x02"), ("h2", b"")]
    assert entry == f"{m.partition}-{m.offset + 1}".encode()


def test_pipelined_xadds_are_delivered_in_order_with_distinct_ids(start_proxy, new_topic, read_back):
    topic = new_topic(1)
    r = client(start_proxy())
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.xadd(topic, {"value": str(i).encode()})
    ids = pipe.execute()
    assert ids == [f"0-{i + 1}".encode() for i in range(500)]
    assert [m.value for m in read_back(topic)] == [str(i).encode() for i in range(500)]


def test_queued_xadds_reply_at_once_and_sigterm_delivers_them(start_proxy, new_topic, read_back):
    topic = new_topic(1)
    p = start_proxy("--xadd-mode", "queue", "--kafka", "linger.ms=2000")
    r = client(p)
    replies = [r.xadd(topic, {"value": f"q{i}".encode()}) for i in range(100)]
    assert all(x.startswith(b"queued:") for x in replies) and len(set(replies)) == 100
    r.close()
    status, err = p.stop()
    assert status == 0, err
    assert "every message delivered" in err
    assert [m.value for m in read_back(topic)] == [f"q{i}".encode() for i in range(100)]


def test_client_xaddmode_switches_one_connection(start_proxy, new_topic):
    topic = new_topic(1)
    p = start_proxy()
    r = client(p)
    assert r.execute_command("CLIENT", "XADDMODE", "QUEUE") in (True, b"OK", "OK")
    assert r.xadd(topic, {"value": b"a"}).startswith(b"queued:")
    # Another connection still waits for the delivery: its reply is the entry's id.
    assert client(p).xadd(topic, {"value": b"b"}).startswith(b"0-")
    # The queued one's report is counted where it comes (polled, bounded).
    deadline = time.monotonic() + 30
    while r.info("kafka")["queued_delivered"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    figures = r.info("kafka")
    assert (figures["queued_delivered"], figures["queued_failed"], figures["xadd_delivered"]) == (1, 0, 1), figures


def test_what_kafka_cannot_take_is_refused_naming_it(start_proxy):
    r = client(start_proxy())
    with pytest.raises(redis.ResponseError, match="explicit entry ids are not supported"):
        r.xadd("t", {"value": b"v"}, id="1-1")
    with pytest.raises(redis.ResponseError, match="needs a field named value"):
        r.xadd("t", {"name": b"v"})
    with pytest.raises(redis.ResponseError, match="partition must be a number"):
        r.xadd("t", {"value": b"v", "partition": b"x"})


def test_auth_with_the_default_user_and_a_named_one(start_proxy):
    p = start_proxy("--requirepass", "s3cret", "--user", "app:apppass")
    with pytest.raises(redis.AuthenticationError):
        client(p).ping()
    with pytest.raises(redis.AuthenticationError):
        client(p, password="wrong").ping()
    assert client(p, password="s3cret").ping() is True
    assert client(p, username="app", password="apppass").ping() is True
    assert client(p, protocol=3, username="app", password="apppass").ping() is True
    info = client(p, password="s3cret").execute_command("INFO")
    assert b"s3cret" not in info and b"apppass" not in info
    assert raw(p, b"PING\r\n", expect_close=False) == b"-NOAUTH Authentication required.\r\n"


def test_before_auth_the_limits_are_tight(start_proxy):
    p = start_proxy("--requirepass", "pw")
    eleven = b"*11\r\n" + b"$1\r\na\r\n" * 11
    assert raw(p, eleven).startswith(b"-ERR Protocol error: too many arguments")
    assert raw(p, b"*2\r\n$4\r\nAUTH\r\n$16385\r\n").startswith(b"-ERR Protocol error: invalid bulk length")
    # Once authenticated the configured limits apply instead.
    r = client(p, password="pw")
    assert r.execute_command("ECHO", b"x" * 20000) == b"x" * 20000


def test_malformed_input_gets_an_error_and_the_connection_closes(start_proxy):
    p = start_proxy()
    assert raw(p, b"*1\r\n+PING\r\n").startswith(b"-ERR Protocol error: expected '$'")
    assert raw(p, b"*1\r\n$4\r\nPINGxx").startswith(b"-ERR Protocol error: bulk string not terminated")
    assert raw(p, b"*x\r\n").startswith(b"-ERR Protocol error: invalid multibulk length")
    assert raw(p, b"PING\r\nECHO \"unbalanced\r\n").startswith(b"+PONG\r\n-ERR Protocol error: unbalanced quotes")
    # An HTTP request (a browser tricked into posting here) is dropped without a reply.
    assert raw(p, b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\n*1\r\n$4\r\nPING\r\n") == b""
    assert client(p).ping() is True  # and the proxy serves on


def test_limits_once_authenticated(start_proxy):
    p = start_proxy("--max-bulk", "1000", "--max-request", "5000", "--client-output-limit", "3000")
    r = client(p)
    assert r.echo(b"x" * 1000) == b"x" * 1000
    assert raw(p, b"*2\r\n$4\r\nECHO\r\n$1001\r\n").startswith(b"-ERR Protocol error: invalid bulk length")
    # A pipeline whose replies exceed the client's output limit closes the connection.
    many = b"*2\r\n$4\r\nECHO\r\n$900\r\n" + b"y" * 900 + b"\r\n"
    assert raw(p, many * 4) == b""
    assert client(p).ping() is True


def test_maxclients_refuses_one_connection_too_many(start_proxy):
    p = start_proxy("--maxclients", "2")
    a, b = client(p), client(p)
    assert a.ping() and b.ping()
    assert raw(p, b"PING\r\n") == b"-ERR max number of clients reached\r\n"
    a.close()
    b.close()


def test_an_idle_connection_is_closed_after_the_timeout(start_proxy):
    p = start_proxy("--timeout", "1")
    with socket.create_connection(("127.0.0.1", p.port), timeout=30) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
        assert s.recv(100) == b""  # closed by the proxy, well before our 30 s timeout


def test_bad_settings_are_refused_at_start_naming_them(brokers):
    def start(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=30)

    r = start("--listen", "127.0.0.1:0")
    assert r.returncode == 2 and "bootstrap.servers" in r.stderr
    r = start("--kafka", f"bootstrap.servers={brokers}", "--listen", "0.0.0.0:0")
    assert r.returncode == 2 and "protected mode" in r.stderr
    r = start("--kafka", f"bootstrap.servers={brokers}", "--kafka", "no.such.key=1")
    assert r.returncode == 2 and "no.such.key" in r.stderr
    assert "--xadd-mode" in start("--help").stdout
