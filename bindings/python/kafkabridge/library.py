"""The library itself: its path, versions and process-wide shutdown."""
from __future__ import annotations

from . import _native as _n
from ._native import lib as _lib
from .errors import _check


LIBRARY_PATH: str = _n.LIBRARY_PATH

def version() -> str:
    return _lib.kb_version().decode()


def librdkafka_version() -> str:
    return _lib.kb_librdkafka_version().decode()


def shutdown() -> None:
    """Flushes and drops every persistent producer client (kb_shutdown)."""
    _check(_lib.kb_shutdown())
