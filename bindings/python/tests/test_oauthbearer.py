"""SASL/OAUTHBEARER with tokens made in Python, against the broker's SASL_PLAINTEXT listener (it
accepts unsigned tokens whose scope includes "required-scope")."""
from __future__ import annotations

import base64
import json
import os
import time

import pytest

import kafkabridge as kb


def _sasl_brokers(brokers: str) -> str:
    """KAFKA_SASL_BROKERS, else the harness's PLAINTEXT port + 2."""
    host, port = brokers.rsplit(":", 1)
    return os.environ.get("KAFKA_SASL_BROKERS") or f"{host}:{int(port) + 2}"


def _token(scope: str, seconds: int) -> tuple[str, int]:
    now = int(time.time())
    claims = json.dumps({"sub": "admin", "iat": now - 10, "exp": now + seconds, "scope": scope})
    encoded = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{encoded}.", (now + seconds) * 1000


def _config(brokers: str) -> dict:
    return {"bootstrap.servers": _sasl_brokers(brokers), "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.config": "principal=admin",
            "bridge.close.timeout.ms": "1000"}


def _await(producer: kb.Producer, kind: type, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in producer.poll_events(0.05):
            if isinstance(event, kind):
                return event
    return None


def test_a_token_from_python_delivers(brokers, new_topic):
    topic = new_topic()
    with kb.Producer(_config(brokers)) as p:
        refresh = _await(p, kb.OAuthBearerRefreshEvent)
        assert refresh is not None and refresh.config == "principal=admin"
        token, expiry = _token("required-scope", 60)
        p.set_oauthbearer_token(token, expiry, "admin", {"traceId": "kb-python"})
        assert p.produce_sync(topic, b"bearer", partition=0, timeout=15).offset == 0


def test_a_failure_is_an_error_event_and_bad_tokens_are_refused(brokers):
    with kb.Producer(_config(brokers)) as p:
        assert _await(p, kb.OAuthBearerRefreshEvent) is not None
        p.set_oauthbearer_token_failure("no token in this test")
        failure = "Failed to acquire SASL OAUTHBEARER token: no token in this test"
        errors = [e for e in p.poll_events(0) if isinstance(e, kb.ErrorEvent)]  # queued at once
        assert [e.code for e in errors if e.message == failure] == [-169]
        token, expiry = _token("required-scope", -60)
        with pytest.raises(kb.KafkaBridgeError) as refused:
            p.set_oauthbearer_token(token, expiry, "admin")
        assert refused.value.code == kb.ERR_INVALID_ARG
    with kb.Consumer(_config(brokers)) as c:
        events = c.poll_events(0)  # the first refresh is queued when the client is created
        assert any(isinstance(e, kb.OAuthBearerRefreshEvent) for e in events)
        c.set_oauthbearer_token_failure("no token for the consumer")
        failure = "Failed to acquire SASL OAUTHBEARER token: no token for the consumer"
        errors = [e for e in c.poll_events(0) if isinstance(e, kb.ErrorEvent)]
        assert [e.code for e in errors if e.message == failure] == [-169]
