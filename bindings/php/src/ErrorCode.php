<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Native\Constants as C;

/**
 * kb_err numbers: librdkafka's rd_kafka_resp_err_t values (the same numbers as php-rdkafka's
 * RD_KAFKA_RESP_ERR_* constants) for the codes callers commonly test, plus kafkabridge's own
 * KB_ERR_* range. Any other code is passed through as is; Library::errorName() names it.
 * The values come from the generated Native\Constants (tools/gen-constants.py).
 */
final class ErrorCode
{
    public const NO_ERROR = C::KB_OK;

    // librdkafka-internal errors (negative, "_" prefix in kb_err_name()).
    public const FATAL = C::RD_KAFKA_RESP_ERR__FATAL;
    public const PURGE_QUEUE = C::RD_KAFKA_RESP_ERR__PURGE_QUEUE;
    public const PURGE_INFLIGHT = C::RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
    public const NOENT = C::RD_KAFKA_RESP_ERR__NOENT;
    public const NO_OFFSET = C::RD_KAFKA_RESP_ERR__NO_OFFSET;
    public const STATE = C::RD_KAFKA_RESP_ERR__STATE;
    public const REVOKE_PARTITIONS = C::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
    public const ASSIGN_PARTITIONS = C::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    public const QUEUE_FULL = C::RD_KAFKA_RESP_ERR__QUEUE_FULL;
    public const TIMED_OUT = C::RD_KAFKA_RESP_ERR__TIMED_OUT;
    public const INVALID_ARG = C::RD_KAFKA_RESP_ERR__INVALID_ARG;
    public const MSG_TIMED_OUT = C::RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
    public const UNKNOWN_PARTITION = C::RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    public const PARTITION_EOF = C::RD_KAFKA_RESP_ERR__PARTITION_EOF;
    public const UNKNOWN_TOPIC = C::RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    public const TRANSPORT = C::RD_KAFKA_RESP_ERR__TRANSPORT;
    public const AUTHENTICATION = C::RD_KAFKA_RESP_ERR__AUTHENTICATION;
    public const NOT_CONFIGURED = C::RD_KAFKA_RESP_ERR__NOT_CONFIGURED;

    // Broker errors.
    public const UNKNOWN_TOPIC_OR_PART = C::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    public const MSG_SIZE_TOO_LARGE = C::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
    public const TOPIC_EXCEPTION = C::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
    public const TOPIC_ALREADY_EXISTS = C::RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    public const INVALID_REPLICATION_FACTOR = C::RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR;
    public const INVALID_CONFIG = C::RD_KAFKA_RESP_ERR_INVALID_CONFIG;
    public const INVALID_RECORD = C::RD_KAFKA_RESP_ERR_INVALID_RECORD;

    // kafkabridge's own (KB_ERR_*).
    public const KB_NULL_ARGUMENT = C::KB_ERR_NULL_ARGUMENT;
    public const KB_INVALID_HANDLE = C::KB_ERR_INVALID_HANDLE;
    public const KB_BAD_UTF8 = C::KB_ERR_BAD_UTF8;
    public const KB_CONFIG_CONFLICT = C::KB_ERR_CONFIG_CONFLICT;
    public const KB_PANIC = C::KB_ERR_PANIC;
    public const KB_INVALID_ARGUMENT = C::KB_ERR_INVALID_ARGUMENT;
    public const KB_INVALID_STATE = C::KB_ERR_INVALID_STATE;
    public const KB_EVENT_QUEUE_FULL = C::KB_ERR_EVENT_QUEUE_FULL;
    public const KB_UNKNOWN_CONFIG = C::KB_ERR_UNKNOWN_CONFIG;
    /** A delivery report's code: not in Kafka yet, kept in the spool (bridge.spool.dir). */
    public const KB_SPOOLED = C::KB_ERR_SPOOLED;

    private function __construct()
    {
    }
}
