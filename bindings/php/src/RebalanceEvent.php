<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * A consumer group rebalance. kafkabridge has already applied it (eagerly or incrementally, as
 * configured) when you see this event: getErr() is ErrorCode::ASSIGN_PARTITIONS or
 * ErrorCode::REVOKE_PARTITIONS and getPartitions() lists the partitions concerned.
 */
final class RebalanceEvent extends Event
{
    /** @var TopicPartition[] */
    private $partitions;

    /**
     * @internal built from the library's event view
     *
     * @param TopicPartition[] $partitions
     */
    public function __construct(int $err, array $partitions, ?string $text = null)
    {
        parent::__construct(self::REBALANCE, $err, $text);
        $this->partitions = $partitions;
    }

    /** @return TopicPartition[] */
    public function getPartitions(): array
    {
        return $this->partitions;
    }

    public function isAssign(): bool
    {
        return $this->getErr() === ErrorCode::ASSIGN_PARTITIONS;
    }

    public function isRevoke(): bool
    {
        return $this->getErr() === ErrorCode::REVOKE_PARTITIONS;
    }
}
