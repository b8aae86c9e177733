"""The exceptions a failed call raises, one class per kind of kb_err code."""
from __future__ import annotations

from typing import Dict, Optional

from . import _native as _n
from ._native import lib as _lib


from ._constants import (  # noqa: E402  (generated from the header: tools/gen-constants.py)
    KB_ERR_BAD_UTF8, KB_ERR_CONFIG_CONFLICT, KB_ERR_EVENT_QUEUE_FULL, KB_ERR_INVALID_ARGUMENT,
    KB_ERR_INVALID_HANDLE, KB_ERR_INVALID_STATE, KB_ERR_NULL_ARGUMENT, KB_ERR_PANIC,
    KB_ERR_UNKNOWN_CONFIG, RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, RD_KAFKA_RESP_ERR__INVALID_ARG,
    RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
    RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, RD_KAFKA_RESP_ERR__TIMED_OUT,
    RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION)

ERR_TIMED_OUT = RD_KAFKA_RESP_ERR__TIMED_OUT
ERR_MSG_TIMED_OUT = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
ERR_QUEUE_FULL = RD_KAFKA_RESP_ERR__QUEUE_FULL
ERR_INVALID_ARG = RD_KAFKA_RESP_ERR__INVALID_ARG
ERR_ASSIGN_PARTITIONS = RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
ERR_REVOKE_PARTITIONS = RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
ERR_TOPIC_EXCEPTION = RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION

# kb_last_error_flags() bits (KB_ERROR_FLAG_* in kafkabridge.h)
ERROR_FLAG_RETRIABLE = 1
ERROR_FLAG_FATAL = 2
ERROR_FLAG_TXN_REQUIRES_ABORT = 4


class KafkaBridgeError(Exception):
    """A failed kafkabridge call: `code` (kb_err), `name` (kb_err_name) and `message`.

    `flags` holds the KB_ERROR_FLAG_* bits: read with kb_last_error_flags() right after a failed
    call, so for transactions they are librdkafka's own verdict. Errors that did not come from a
    call on this thread (delivery reports, consumer messages, events) have no flags of their own;
    theirs are derived from the code (retriable, fatal; never txn_requires_abort).
    """

    def __init__(self, code: int, name: str, message: str, flags: Optional[int] = None) -> None:
        super().__init__(f"{name} ({code}): {message}")
        self.code = code
        self.name = name
        self.message = message
        self._flags = flags

    @property
    def flags(self) -> int:
        if self._flags is None:
            self._flags = ((ERROR_FLAG_RETRIABLE if _lib.kb_err_is_retriable(self.code) else 0)
                           | (ERROR_FLAG_FATAL if _lib.kb_err_is_fatal(self.code) else 0))
        return self._flags

    @property
    def retriable(self) -> bool:
        """Retrying the same call later may succeed."""
        return bool(self.flags & ERROR_FLAG_RETRIABLE)

    @property
    def fatal(self) -> bool:
        """The client is unusable: close it and create a new one."""
        return bool(self.flags & ERROR_FLAG_FATAL)

    @property
    def txn_requires_abort(self) -> bool:
        """The current transaction cannot commit: abort_transaction(), then begin a new one."""
        return bool(self.flags & ERROR_FLAG_TXN_REQUIRES_ABORT)


class KafkaTimeoutError(KafkaBridgeError, TimeoutError):
    """-185 (_TIMED_OUT), -192 (_MSG_TIMED_OUT)."""


class ConfigError(KafkaBridgeError, ValueError):
    """A configuration key or value was refused (-186 _INVALID_ARG)."""


class UnknownConfigError(ConfigError, KeyError):
    """KB_ERR_UNKNOWN_CONFIG (-1009)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return Exception.__str__(self)


class ConfigConflictError(KafkaBridgeError):
    """KB_ERR_CONFIG_CONFLICT (-1004): the message names the differing keys."""


class InvalidHandleError(KafkaBridgeError):
    """KB_ERR_INVALID_HANDLE (-1002)."""


class InvalidArgumentError(KafkaBridgeError, ValueError):
    """KB_ERR_INVALID_ARGUMENT (-1006), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8."""


class InvalidStateError(KafkaBridgeError):
    """KB_ERR_INVALID_STATE (-1007), e.g. a closed consumer."""


class QueueFullError(KafkaBridgeError):
    """-184 (_QUEUE_FULL) or KB_ERR_EVENT_QUEUE_FULL (-1008): poll/flush, then retry."""


class TopicError(KafkaBridgeError):
    """Topic problems: 3 (UNKNOWN_TOPIC_OR_PART), 17 (TOPIC_EXCEPTION), 36 (TOPIC_ALREADY_EXISTS)."""


_ERROR_CLASSES: Dict[int, type] = {
    ERR_TIMED_OUT: KafkaTimeoutError,
    ERR_MSG_TIMED_OUT: KafkaTimeoutError,
    ERR_INVALID_ARG: ConfigError,
    KB_ERR_UNKNOWN_CONFIG: UnknownConfigError,
    KB_ERR_CONFIG_CONFLICT: ConfigConflictError,
    KB_ERR_INVALID_HANDLE: InvalidHandleError,
    KB_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    KB_ERR_NULL_ARGUMENT: InvalidArgumentError,
    KB_ERR_BAD_UTF8: InvalidArgumentError,
    KB_ERR_INVALID_STATE: InvalidStateError,
    ERR_QUEUE_FULL: QueueFullError,
    KB_ERR_EVENT_QUEUE_FULL: QueueFullError,
    3: TopicError,
    ERR_TOPIC_EXCEPTION: TopicError,
    36: TopicError,
}


def _make_error(code: int, message: Optional[str] = None) -> KafkaBridgeError:
    """The exception for `code`. Without `message` it is the failure of the call just made on this
    thread: its message and flags are read from the library (kb_last_error, kb_last_error_flags)."""
    flags = None
    if message is None:
        message = _n.last_error()
        flags = _n.last_error_flags()
    cls = _ERROR_CLASSES.get(code, KafkaBridgeError)
    return cls(code, _n.err_name(code), message, flags)


def _check(code: int) -> None:
    if code != 0:
        raise _make_error(code)


def _error_from(code: int, text: Optional[str]) -> Optional[KafkaBridgeError]:
    if code == 0:
        return None
    desc = _lib.kb_err_description(code)
    return _make_error(code, text or (desc.decode() if desc else ""))
