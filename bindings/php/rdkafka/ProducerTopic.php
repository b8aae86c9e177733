<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A topic to produce to, made by Producer::newTopic().
 */
class ProducerTopic extends Topic
{
    /** @var Producer */
    private $producer;

    /** @var string the key of the kafkabridge client that serves this topic */
    private $clientKey;

    /** @var array<string, string> the topic's properties that differ from the Conf's */
    private $overrides;

    /**
     * @internal made by Producer::newTopic()
     *
     * @param array<string, string> $overrides
     */
    public function __construct(Producer $producer, string $name, string $clientKey, array $overrides)
    {
        $this->producer = $producer;
        $this->name = $name;
        $this->clientKey = $clientKey;
        $this->overrides = $overrides;
    }

    /**
     * Enqueues a message; its delivery report goes to the dr_msg_cb inside a later poll() or
     * flush().
     *
     * @param int         $partition  a partition or RD_KAFKA_PARTITION_UA (the partitioner chooses)
     * @param int         $msgflags   0, or RD_KAFKA_MSG_F_BLOCK to wait while the queue is full
     * @param string|null $payload    the value (null: a tombstone)
     * @param string|null $key        the key (null: none)
     * @param string|null $msg_opaque given back as the delivery report's $message->opaque
     *
     * @throws Exception for example with RD_KAFKA_RESP_ERR__QUEUE_FULL (poll, then retry)
     * @throws \InvalidArgumentException for a bad partition or flags
     *
     * @return void
     */
    public function produce(int $partition, int $msgflags, ?string $payload = null, ?string $key = null, ?string $msg_opaque = null)
    {
        $this->producer->produceTo($this->name, $this->clientKey, $this->overrides, $partition, $msgflags, $payload, $key, [], 0, $msg_opaque, 'produce');
    }

    /**
     * Enqueues a message with headers and a timestamp.
     *
     * @param int                        $partition    a partition or RD_KAFKA_PARTITION_UA
     * @param int                        $msgflags     0 or RD_KAFKA_MSG_F_BLOCK
     * @param string|null                $payload      the value (null: a tombstone)
     * @param string|null                $key          the key (null: none)
     * @param array<string, string>|null $headers      name => value
     * @param int|null                   $timestamp_ms milliseconds since the epoch (null or 0: now)
     * @param string|null                $msg_opaque   given back as the delivery report's $message->opaque
     *
     * @throws Exception
     * @throws \InvalidArgumentException for a bad partition or flags
     *
     * @return void
     */
    public function producev(int $partition, int $msgflags, ?string $payload = null, ?string $key = null, ?array $headers = null, ?int $timestamp_ms = null, ?string $msg_opaque = null)
    {
        $this->producer->produceTo(
            $this->name,
            $this->clientKey,
            $this->overrides,
            $partition,
            $msgflags,
            $payload,
            $key,
            Internal\Convert::headers($headers),
            $timestamp_ms === null ? 0 : $timestamp_ms,
            $msg_opaque,
            'producev'
        );
    }
}
