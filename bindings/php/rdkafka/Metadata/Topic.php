<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

/**
 * One topic of a metadata snapshot.
 */
class Topic
{
    /** @var string */
    private $topic;

    /** @var int */
    private $err;

    /** @var Partition[] */
    private $partitions;

    /**
     * @internal made by the drop-in from a metadata snapshot
     *
     * @param Partition[] $partitions
     */
    public function __construct(string $topic, int $err, array $partitions)
    {
        $this->topic = $topic;
        $this->err = $err;
        $this->partitions = $partitions;
    }

    /**
     * The topic name.
     *
     * @return string
     */
    public function getTopic()
    {
        return $this->topic;
    }

    /**
     * The topic's error code (for example RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), 0 if none.
     *
     * @return int
     */
    public function getErr()
    {
        return $this->err;
    }

    /**
     * The topic's partitions (Partition objects).
     *
     * @return Collection
     */
    public function getPartitions()
    {
        return new Collection($this->partitions);
    }
}
