<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * kb_err numbers: librdkafka's rd_kafka_resp_err_t values (the same numbers as php-rdkafka's
 * RD_KAFKA_RESP_ERR_* constants) for the codes callers commonly test, plus kafkabridge's own
 * KB_ERR_* range. Any other code is passed through as is; Library::errorName() names it.
 */
final class ErrorCode
{
    public const NO_ERROR = 0;

    // librdkafka-internal errors (negative, "_" prefix in kb_err_name()).
    public const FATAL = -150;
    public const PURGE_QUEUE = -152;
    public const PURGE_INFLIGHT = -151;
    public const NOENT = -156;
    public const NO_OFFSET = -168;
    public const STATE = -172;
    public const REVOKE_PARTITIONS = -174;
    public const ASSIGN_PARTITIONS = -175;
    public const QUEUE_FULL = -184;
    public const TIMED_OUT = -185;
    public const INVALID_ARG = -186;
    public const MSG_TIMED_OUT = -192;
    public const UNKNOWN_PARTITION = -190;
    public const PARTITION_EOF = -191;
    public const UNKNOWN_TOPIC = -188;
    public const TRANSPORT = -195;
    public const NOT_CONFIGURED = -145;

    // Broker errors.
    public const UNKNOWN_TOPIC_OR_PART = 3;
    public const MSG_SIZE_TOO_LARGE = 10;
    public const TOPIC_EXCEPTION = 17;
    public const TOPIC_ALREADY_EXISTS = 36;
    public const INVALID_REPLICATION_FACTOR = 38;
    public const INVALID_CONFIG = 40;
    public const INVALID_RECORD = 87;

    // kafkabridge's own (KB_ERR_*).
    public const KB_NULL_ARGUMENT = -1001;
    public const KB_INVALID_HANDLE = -1002;
    public const KB_BAD_UTF8 = -1003;
    public const KB_CONFIG_CONFLICT = -1004;
    public const KB_PANIC = -1005;
    public const KB_INVALID_ARGUMENT = -1006;
    public const KB_INVALID_STATE = -1007;
    public const KB_EVENT_QUEUE_FULL = -1008;
    public const KB_UNKNOWN_CONFIG = -1009;

    private function __construct()
    {
    }
}
