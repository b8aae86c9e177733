<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Flags for Producer::purge() (KB_PURGE_*).
 */
final class Purge
{
    /** Purge messages waiting in the local queue. */
    public const QUEUE = 1;

    /** Purge messages in flight to brokers. */
    public const INFLIGHT = 2;

    /** Do not wait for the purge to finish. */
    public const NON_BLOCKING = 4;

    private function __construct()
    {
    }
}
