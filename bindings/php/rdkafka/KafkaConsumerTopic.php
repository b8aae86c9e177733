<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A topic handle of a KafkaConsumer, made by KafkaConsumer::newTopic(), for offsetStore().
 */
class KafkaConsumerTopic extends Topic
{
    /** @var KafkaConsumer */
    private $consumer;

    /**
     * @internal made by KafkaConsumer::newTopic()
     */
    public function __construct(KafkaConsumer $consumer, string $name)
    {
        $this->consumer = $consumer;
        $this->name = $name;
    }

    /**
     * Stores the offset of the last processed message of a partition: $offset + 1 is committed
     * by the next automatic or offset-less commit. Needs `enable.auto.offset.store=false`.
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
        $this->consumer->storeOffsetFor($this->name, $partition, $offset);
    }
}
