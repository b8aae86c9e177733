"""The base of every class that owns a native object (private module)."""
from __future__ import annotations

from ctypes import c_void_p
from typing import Any, Optional

from ._native import lib as _lib
from .errors import KB_ERR_INVALID_STATE, InvalidStateError, _check


class _Native:
    _free_fn: str = ""

    def __init__(self) -> None:
        self._ptr: Optional[c_void_p] = None

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def _handle(self) -> c_void_p:
        if self._ptr is None:
            raise InvalidStateError(KB_ERR_INVALID_STATE, "KB_ERR_INVALID_STATE",
                                    f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        """Frees the native object (exactly once; later calls do nothing)."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            _check(getattr(_lib, self._free_fn)(ptr))

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
