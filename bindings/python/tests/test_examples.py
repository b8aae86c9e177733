"""The README's examples run as users would run them."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_example_runs(brokers: str) -> None:
    topic = f"py-example-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, KAFKA_BROKERS=brokers, PYTHONPATH=str(EXAMPLES.parent))
    out = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py"), topic],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "delivered 2 by callback, errors: []" in out.stdout
    assert out.stdout.count("read b'key-") == 3
