<?php

declare(strict_types=1);

namespace RdKafka\Internal;

/**
 * A monotonic millisecond clock for timeouts.
 *
 * @internal
 */
final class Clock
{
    private function __construct()
    {
    }

    /** Milliseconds on a monotonic clock. */
    public static function nowMs(): int
    {
        return intdiv(hrtime(true), 1000000);
    }

    /**
     * The absolute deadline of a php-rdkafka timeout; null for a negative one (wait forever).
     */
    public static function deadline(int $timeoutMs): ?int
    {
        return $timeoutMs < 0 ? null : self::nowMs() + $timeoutMs;
    }

    /**
     * Milliseconds left until $deadline (0 once passed, at most 2^31 - 1); for no deadline a
     * one-second slice, so that waiting forever is a loop of bounded library calls.
     */
    public static function remaining(?int $deadline): int
    {
        if ($deadline === null) {
            return 1000;
        }

        return max(0, min(2147483647, $deadline - self::nowMs()));
    }

    /** Whether $deadline has passed (never for null). */
    public static function passed(?int $deadline): bool
    {
        return $deadline !== null && self::nowMs() >= $deadline;
    }
}
