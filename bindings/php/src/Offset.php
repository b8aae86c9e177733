<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Logical offsets (KB_OFFSET_*, librdkafka's RD_KAFKA_OFFSET_*).
 */
final class Offset
{
    /** Start from the earliest offset. */
    public const BEGINNING = -2;

    /** Start from the end: only new messages. */
    public const END = -1;

    /** Resume from the committed offset. */
    public const STORED = -1000;

    /** No offset (as output: nothing committed; as assign input: use the committed offset). */
    public const INVALID = -1001;

    /** See tail(). */
    public const TAIL_BASE = -2000;

    private function __construct()
    {
    }

    /** The logical offset $count messages before the end (RD_KAFKA_OFFSET_TAIL($count)). */
    public static function tail(int $count): int
    {
        return self::TAIL_BASE - $count;
    }
}
