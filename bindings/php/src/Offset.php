<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Native\Constants;

/**
 * Logical offsets (KB_OFFSET_*, librdkafka's RD_KAFKA_OFFSET_*).
 */
final class Offset
{
    /** Start from the earliest offset. */
    public const BEGINNING = Constants::KB_OFFSET_BEGINNING;

    /** Start from the end: only new messages. */
    public const END = Constants::KB_OFFSET_END;

    /** Resume from the committed offset. */
    public const STORED = Constants::KB_OFFSET_STORED;

    /** No offset (as output: nothing committed; as assign input: use the committed offset). */
    public const INVALID = Constants::KB_OFFSET_INVALID;

    /** See tail(). */
    public const TAIL_BASE = Constants::KB_OFFSET_TAIL_BASE;

    private function __construct()
    {
    }

    /** The logical offset $count messages before the end (RD_KAFKA_OFFSET_TAIL($count)). */
    public static function tail(int $count): int
    {
        return self::TAIL_BASE - $count;
    }
}
