<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * The result of an offset commit (an async commit's outcome, or auto commits): getErr() is 0 on
 * success and getPartitions() lists the committed offsets.
 */
final class CommitEvent extends Event
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
        parent::__construct(self::COMMIT, $err, $text);
        $this->partitions = $partitions;
    }

    /** @return TopicPartition[] */
    public function getPartitions(): array
    {
        return $this->partitions;
    }
}
