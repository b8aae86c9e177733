<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Native\Constants;

/**
 * Flags for Producer::purge() (KB_PURGE_*).
 */
final class Purge
{
    /** Purge messages waiting in the local queue. */
    public const QUEUE = Constants::KB_PURGE_QUEUE;

    /** Purge messages in flight to brokers. */
    public const INFLIGHT = Constants::KB_PURGE_INFLIGHT;

    /** Do not wait for the purge to finish. */
    public const NON_BLOCKING = Constants::KB_PURGE_NON_BLOCKING;

    private function __construct()
    {
    }
}
