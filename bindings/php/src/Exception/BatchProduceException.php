<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * Producer::produceBatch() stopped at a record the library refused. The records before it were
 * enqueued (getAcceptedIds() has their message ids, in order); the failing record and the ones
 * after it were not. getCode()/getErrorName()/isRetriable() are those of the failing record's
 * error, and getPrevious() is the specific exception for it (for example a QueueFullException:
 * poll events, then retry from getFailedIndex()).
 */
class BatchProduceException extends KafkaBridgeException
{
    /** @var int[] */
    private $acceptedIds;

    /** @var int */
    private $failedIndex;

    /**
     * @param KafkaBridgeException $cause       the error of the failing record
     * @param int[]                $acceptedIds ids of the records enqueued before it
     * @param int                  $failedIndex position of the failing record in the input
     */
    public function __construct(KafkaBridgeException $cause, array $acceptedIds, int $failedIndex)
    {
        parent::__construct(
            $cause->getCode(),
            $cause->getErrorName(),
            $cause->getLibraryMessage(),
            $cause->getOperation(),
            $cause->isRetriable(),
            $cause->isFatal(),
            $cause
        );
        $this->acceptedIds = $acceptedIds;
        $this->failedIndex = $failedIndex;
    }

    /**
     * Message ids of the records that were enqueued (the first count($ids) records).
     *
     * @return int[]
     */
    public function getAcceptedIds(): array
    {
        return $this->acceptedIds;
    }

    /** Position (0-based, in input order) of the record that failed. */
    public function getFailedIndex(): int
    {
        return $this->failedIndex;
    }
}
