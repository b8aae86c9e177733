"""SASL/OAUTHBEARER tokens from the application, shared by Producer and Consumer (private module)."""
from __future__ import annotations

from ctypes import c_char_p
from typing import Mapping, Optional

from ._marshal import _cstr
from ._native import lib as _lib
from .errors import _check


class _OAuthBearerMixin:
    """With `sasl.mechanism=OAUTHBEARER` (and neither `sasl.oauthbearer.method=oidc` nor
    librdkafka's unsecured test tokens) the client asks for a token with an
    OAuthBearerRefreshEvent among its events: when created, at 80% of the remaining lifetime of
    the token last set, and 10 seconds after a failure. Answer at any time, from any thread."""

    _oauth_prefix: str = ""

    def set_oauthbearer_token(self, token: str, lifetime_ms: int, principal: str,
                              extensions: Optional[Mapping[str, str]] = None) -> None:
        """Hands the client its token; `lifetime_ms` is when it expires, in ms since the epoch.
        Raises for an expired token or a bad extension (ERR_INVALID_ARG, -186), or a client not
        configured for OAUTHBEARER (-172)."""
        strings = [_cstr(s, "OAUTHBEARER extension") for kv in (extensions or {}).items() for s in kv]
        arr = (c_char_p * len(strings))(*strings) if strings else None
        fn = getattr(_lib, self._oauth_prefix + "_oauthbearer_set_token")
        _check(fn(self._handle(), _cstr(token, "token"), lifetime_ms, _cstr(principal, "principal"),  # type: ignore[attr-defined]
                  arr, len(strings)))

    def set_oauthbearer_token_failure(self, reason: str) -> None:
        """Tells the client no token could be had: an ErrorEvent with code -169
        (authentication) is queued at once, and the client asks again 10 seconds later."""
        fn = getattr(_lib, self._oauth_prefix + "_oauthbearer_set_token_failure")
        _check(fn(self._handle(), _cstr(reason, "reason")))  # type: ignore[attr-defined]
