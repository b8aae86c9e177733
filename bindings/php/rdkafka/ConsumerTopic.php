<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A topic of the legacy Consumer, made by Consumer::newTopic(): start consuming partitions at
 * an offset and read them one partition (or one Queue) at a time.
 */
class ConsumerTopic extends Topic
{
    /** @var Consumer */
    private $consumer;

    /** @var string the key of the kafkabridge client that serves this topic */
    private $clientKey;

    /** @var array<string, string> the topic's properties that differ from the Conf's */
    private $overrides;

    /**
     * @internal made by Consumer::newTopic()
     *
     * @param array<string, string> $overrides
     */
    public function __construct(Consumer $consumer, string $name, string $clientKey, array $overrides)
    {
        $this->consumer = $consumer;
        $this->name = $name;
        $this->clientKey = $clientKey;
        $this->overrides = $overrides;
    }

    /**
     * Starts consuming a partition into a Queue (read with Queue::consume()).
     *
     * @param int   $partition
     * @param int   $offset    an offset, RD_KAFKA_OFFSET_BEGINNING, _END, _STORED or rd_kafka_offset_tail()
     * @param Queue $queue
     *
     * @throws Exception
     *
     * @return void
     */
    public function consumeQueueStart(int $partition, int $offset, Queue $queue)
    {
        $this->consumer->startPartition($this->name, $this->clientKey, $this->overrides, $partition, $offset, $queue);
    }

    /**
     * Reads messages of a partition for up to $timeout_ms and passes each to $callback
     * (function (RdKafka\Message $message)).
     *
     * @param int      $partition
     * @param int      $timeout_ms
     * @param callable $callback
     *
     * @throws Exception
     *
     * @return int the number of messages passed
     */
    public function consumeCallback(int $partition, int $timeout_ms, callable $callback)
    {
        $count = 0;
        foreach ($this->consumer->consumePartition($this->name, $partition, $timeout_ms, PHP_INT_MAX, true) as $message) {
            $callback($message);
            $count++;
        }

        return $count;
    }

    /**
     * Starts consuming a partition at $offset (RD_KAFKA_OFFSET_STORED: after the group's
     * committed offset, which needs `group.id`).
     *
     * @param int $partition
     * @param int $offset an offset, RD_KAFKA_OFFSET_BEGINNING, _END, _STORED or rd_kafka_offset_tail()
     *
     * @throws Exception
     * @throws \InvalidArgumentException for a negative partition
     *
     * @return void
     */
    public function consumeStart(int $partition, int $offset)
    {
        $this->consumer->startPartition($this->name, $this->clientKey, $this->overrides, $partition, $offset, null);
    }

    /**
     * Stops consuming a partition; with auto commit on (the default) its stored offset is
     * committed first.
     *
     * @param int $partition
     *
     * @throws Exception
     *
     * @return void
     */
    public function consumeStop(int $partition)
    {
        $this->consumer->stopPartition($this->name, $partition);
    }

    /**
     * The next message (or error entry, such as RD_KAFKA_RESP_ERR__PARTITION_EOF) of a
     * partition, waiting up to $timeout_ms; null if none came.
     *
     * @param int $partition
     * @param int $timeout_ms
     *
     * @throws Exception RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION if the partition was not started
     *
     * @return Message|null
     */
    public function consume(int $partition, int $timeout_ms)
    {
        $messages = $this->consumer->consumePartition($this->name, $partition, $timeout_ms, 1, false);

        return $messages === [] ? null : $messages[0];
    }

    /**
     * Up to $batch_size messages of a partition, waiting up to $timeout_ms for them.
     *
     * @param int $partition
     * @param int $timeout_ms
     * @param int $batch_size
     *
     * @throws Exception
     * @throws \InvalidArgumentException for a batch size below 1
     *
     * @return Message[]
     */
    public function consumeBatch(int $partition, int $timeout_ms, int $batch_size)
    {
        if ($batch_size <= 0) {
            throw new \InvalidArgumentException("Out of range value '" . $batch_size . "' for batch_size");
        }

        return $this->consumer->consumePartition($this->name, $partition, $timeout_ms, $batch_size, false);
    }

    /**
     * Stores the offset of the last processed message of a partition: $offset + 1 is committed
     * next (automatically, or when the partition is stopped). For use with
     * `enable.auto.offset.store=false`; otherwise consume() stores each message it returns.
     *
     * @param int $partition
     * @param int $offset the offset of the last processed message
     *
     * @throws Exception
     *
     * @return void
     */
    public function offsetStore(int $partition, int $offset)
    {
        $this->consumer->storeOffset($this->name, $partition, $offset);
    }
}
