<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Native\Constants;

/**
 * Partition constants.
 */
final class Partition
{
    /** Let the partitioner choose (KB_PARTITION_UA, RD_KAFKA_PARTITION_UA). */
    public const UNASSIGNED = Constants::KB_PARTITION_UA;

    private function __construct()
    {
    }
}
