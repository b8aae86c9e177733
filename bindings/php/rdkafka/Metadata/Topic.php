<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

use RdKafka\Internal\MadeByTheClient;

/**
 * One topic of a metadata snapshot.
 */
class Topic
{
    use MadeByTheClient;

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
    public static function make(string $topic, int $err, array $partitions): self
    {
        return new self($topic, $err, $partitions);
    }

    private function __construct(string $topic, int $err, array $partitions)
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
        self::constructed($this->topic);
        return $this->topic;
    }

    /**
     * The topic's error code (for example RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), 0 if none.
     *
     * @return int
     */
    public function getErr()
    {
        self::constructed($this->topic);
        return $this->err;
    }

    /**
     * The topic's partitions (Partition objects).
     *
     * @return Collection
     */
    public function getPartitions()
    {
        self::constructed($this->topic);
        return Collection::make($this->partitions);
    }
}
