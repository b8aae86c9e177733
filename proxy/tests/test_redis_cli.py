"""The proxy through redis-cli (Debian's redis-tools), the client people type into: commands,
binary values from stdin, AUTH, and mass insertion with --pipe."""
from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli is missing: apt-get install redis-tools (make deps does)")


def cli(proxy, *args: str, stdin: bytes = b"", stderr: bool = False) -> bytes:
    """redis-cli's output (stdout, then stderr if asked: it reports a failed -a there)."""
    r = subprocess.run(["redis-cli", "-p", str(proxy.port), *args], input=stdin, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout + (r.stderr if stderr else b"")


def test_commands_and_a_binary_value_from_stdin(start_proxy, new_topic, read_back):
    topic = new_topic(1)
    p = start_proxy()
    assert cli(p, "PING") == b"PONG\n"
    value = b"\x00\x01bin\r\nary\xff"
    # -x: the last argument is stdin, byte for byte.
    assert cli(p, "-x", "XADD", topic, "*", "key", "k1", "value", stdin=value) == b"0-1\n"
    [m] = read_back(topic)
    assert (m.key, m.value) == (b"k1", value)
    out = cli(p, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "10000", "STREAMS", topic, ">")
    assert b"0-1\n" in out and b"value\n" in out
    assert cli(p, "XACK", topic, "g", "0-1") == b"1\n"
    assert b"ERR unknown command 'NOPE'" in cli(p, "NOPE")


def test_auth_from_the_command_line(start_proxy):
    p = start_proxy("--requirepass", "pw")
    assert b"NOAUTH" in cli(p, "PING")
    assert cli(p, "-a", "pw", "--no-auth-warning", "PING") == b"PONG\n"
    assert b"AUTH failed: WRONGPASS" in cli(p, "-a", "nope", "--no-auth-warning", "PING", stderr=True)


def test_mass_insertion_with_pipe(start_proxy, new_topic, read_back):
    topic = new_topic(1)
    p = start_proxy()
    n = 2000
    proto = b"".join(
        b"*5\r\n$4\r\nXADD\r\n$%d\r\n%s\r\n$1\r\n*\r\n$5\r\nvalue\r\n$%d\r\n%s\r\n" % (len(topic), topic.encode(), len(str(i)), str(i).encode())
        for i in range(n)
    )
    out = cli(p, "--pipe", stdin=proto)
    assert f"errors: 0, replies: {n}".encode() in out, out
    assert [m.value for m in read_back(topic)] == [str(i).encode() for i in range(n)]
