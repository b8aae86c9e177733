<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A queue several partitions are consumed into (ConsumerTopic::consumeQueueStart()), made by
 * Consumer::newQueue().
 */
class Queue
{
    /** @var Consumer */
    private $consumer;

    /** @var int */
    private $id;

    /**
     * @internal made by Consumer::newQueue()
     */
    public function __construct(Consumer $consumer, int $id)
    {
        $this->consumer = $consumer;
        $this->id = $id;
    }

    /**
     * The next message (or error entry) of any partition started into this queue, waiting up to
     * $timeout_ms; null if none came.
     *
     * @param int $timeout_ms
     *
     * @throws Exception
     *
     * @return Message|null
     */
    public function consume(int $timeout_ms)
    {
        $messages = $this->consumer->consumeQueue($this, $timeout_ms);

        return $messages === [] ? null : $messages[0];
    }

    /**
     * The queue's id within its consumer.
     *
     * @internal
     */
    public function id(): int
    {
        return $this->id;
    }

    /**
     * The consumer that made the queue.
     *
     * @internal
     */
    public function consumer(): Consumer
    {
        return $this->consumer;
    }
}
