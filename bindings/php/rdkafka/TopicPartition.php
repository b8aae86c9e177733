<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A topic partition with an offset, as php-rdkafka passes them to assign(), commit() and the
 * rebalance and offset commit callbacks, and returns them from getAssignment(),
 * getCommittedOffsets(), offsetsForTimes(), ... Mutable: the setters return $this.
 */
class TopicPartition
{
    /** @var string */
    private $topic;

    /** @var int */
    private $partition;

    /** @var int */
    private $offset;

    /** @var int */
    private $err = 0;

    /**
     * @param string   $topic     topic name
     * @param int      $partition partition number
     * @param int|null $offset    an offset or an RD_KAFKA_OFFSET_* constant (null: 0)
     */
    public function __construct(string $topic, int $partition, ?int $offset = 0)
    {
        $this->topic = $topic;
        $this->partition = $partition;
        $this->offset = $offset === null ? 0 : $offset;
    }

    /**
     * What var_dump() shows, as for the extension's object: topic, partition, offset and err
     * (nothing for an object whose constructor did not run, a mock for example).
     *
     * @return array<string, mixed>
     */
    public function __debugInfo()
    {
        if ($this->topic === null) {
            return [];
        }

        return ['topic' => $this->topic, 'partition' => $this->partition, 'offset' => $this->offset, 'err' => $this->err];
    }

    /**
     * The topic name.
     *
     * @throws \Exception when the constructor did not run (a mock)
     *
     * @return string|null
     */
    public function getTopic()
    {
        if ($this->topic === null) {
            throw new \Exception(self::class . '::__construct() has not been called');
        }

        return $this->topic;
    }

    /**
     * Sets the topic name.
     *
     * @param string $topic_name
     *
     * @return TopicPartition $this
     */
    public function setTopic(string $topic_name)
    {
        $this->topic = $topic_name;

        return $this;
    }

    /**
     * The partition number.
     *
     * @return int
     */
    public function getPartition()
    {
        return $this->partition;
    }

    /**
     * Sets the partition number.
     *
     * @param int $partition
     *
     * @return TopicPartition $this
     */
    public function setPartition(int $partition)
    {
        $this->partition = $partition;

        return $this;
    }

    /**
     * The offset (for commits: the next offset to read; RD_KAFKA_OFFSET_* constants and -1001,
     * RD_KAFKA_OFFSET_INVALID, for "none").
     *
     * @return int
     */
    public function getOffset()
    {
        return $this->offset;
    }

    /**
     * Sets the offset.
     *
     * @param int $offset
     *
     * @return TopicPartition $this
     */
    public function setOffset(int $offset)
    {
        $this->offset = $offset;

        return $this;
    }

    /**
     * The per-partition error of a result list (0 if none, and for a TopicPartition made by the
     * application).
     *
     * @return int
     */
    public function getErr()
    {
        return $this->err;
    }

    /**
     * Sets the per-partition error of a result entry.
     *
     * @internal used by the drop-in when it builds result lists
     *
     * @param int $err
     *
     * @return TopicPartition $this
     */
    public function setErr(int $err)
    {
        $this->err = $err;

        return $this;
    }
}
