<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * One topic of a metadata snapshot.
 */
final class TopicMetadata
{
    /** @var string */
    private $name;

    /** @var int */
    private $err;

    /** @var PartitionMetadata[] */
    private $partitions;

    /**
     * @internal built from kb_topic_metadata
     *
     * @param PartitionMetadata[] $partitions
     */
    public function __construct(string $name, int $err, array $partitions)
    {
        $this->name = $name;
        $this->err = $err;
        $this->partitions = $partitions;
    }

    public function getName(): string
    {
        return $this->name;
    }

    /** For example ErrorCode::UNKNOWN_TOPIC_OR_PART for a topic that does not exist; 0 if none. */
    public function getErr(): int
    {
        return $this->err;
    }

    /** @return PartitionMetadata[] */
    public function getPartitions(): array
    {
        return $this->partitions;
    }
}
