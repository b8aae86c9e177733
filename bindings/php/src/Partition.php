<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Partition constants.
 */
final class Partition
{
    /** Let the partitioner choose (KB_PARTITION_UA, RD_KAFKA_PARTITION_UA). */
    public const UNASSIGNED = -1;

    private function __construct()
    {
    }
}
