"""The ctypes structures must match the C header byte for byte (needs a C compiler)."""
from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

from kafkabridge import _native as n

pytestmark = pytest.mark.brokerless

HEADER_DIR = Path(__file__).resolve().parents[3] / "include"
STRUCTS = {
    "kb_topic_partition": ["topic", "partition", "offset", "metadata", "metadata_len", "err"],
    "kb_header": ["name", "value", "value_len"],
    "kb_record": ["topic", "partition", "key", "key_len", "value", "value_len", "headers",
                  "header_count", "timestamp_ms"],
    "kb_delivery": ["message_id", "partition", "offset", "timestamp_ms"],
    "kb_producer_info": [f for f, _ in n.kb_producer_info._fields_],
    "kb_consumer_info": [f for f, _ in n.kb_consumer_info._fields_],
    "kb_event_view": [f for f, _ in n.kb_event_view._fields_],
    "kb_message_view": [f for f, _ in n.kb_message_view._fields_],
    "kb_broker_metadata": ["id", "host", "port"],
    "kb_partition_metadata": ["id", "leader", "err", "replicas", "replica_count", "isrs",
                              "isr_count"],
    "kb_topic_metadata": ["name", "err", "partitions", "partition_count"],
    "kb_metadata_view": ["orig_broker_id", "orig_broker_name", "brokers", "broker_count", "topics",
                         "topic_count"],
}


def test_struct_layout_matches_header(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc or not (HEADER_DIR / "kafkabridge.h").exists():
        pytest.skip("no C compiler or header")
    lines = []
    for s, fields in STRUCTS.items():
        lines.append(f'printf("{s} %zu\\n", sizeof({s}));')
        lines += [f'printf("{s}.{f} %zu\\n", offsetof({s}, {f}));' for f in fields]
    src = tmp_path / "layout.c"
    src.write_text('#include <stdio.h>\n#include <stddef.h>\n#include "kafkabridge.h"\n'
                   "int main(void) {\n" + "\n".join(lines) + "\nreturn 0;\n}\n")
    exe = tmp_path / "layout"
    subprocess.run([cc, f"-I{HEADER_DIR}", str(src), "-o", str(exe)], check=True)
    expected = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")
    got = []
    for s, fields in STRUCTS.items():
        cls = getattr(n, s)
        got.append(f"{s} {ctypes.sizeof(cls)}")
        got += [f"{s}.{f} {getattr(cls, f).offset}" for f in fields]
    assert got == [l for l in expected if l]
    # field names and order are exactly the header's
    assert [f for f, _ in n.kb_topic_partition._fields_] == STRUCTS["kb_topic_partition"]
    assert [f for f, _ in n.kb_record._fields_] == STRUCTS["kb_record"]


def test_constants_match_header(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc or not (HEADER_DIR / "kafkabridge.h").exists():
        pytest.skip("no C compiler or header")
    src = tmp_path / "consts.c"
    src.write_text('#include <stdio.h>\n#include "kafkabridge.h"\n'
                   'int main(void) { printf("%llu\\n", (unsigned long long)KB_PACKED_ABSENT); return 0; }\n')
    exe = tmp_path / "consts"
    subprocess.run([cc, f"-I{HEADER_DIR}", str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    assert out == [str(n.KB_PACKED_ABSENT)]
