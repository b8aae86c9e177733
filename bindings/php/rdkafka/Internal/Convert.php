<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Native\Constants;

use KafkaBridge\Message as BridgeMessage;
use KafkaBridge\TopicPartition as BridgeTopicPartition;
use RdKafka\Message;
use RdKafka\TopicPartition;

/**
 * Conversions between kafkabridge's values and php-rdkafka's.
 *
 * @internal
 */
final class Convert
{
    /** librdkafka's "no offset" (RD_KAFKA_OFFSET_INVALID). */
    public const OFFSET_INVALID = Constants::KB_OFFSET_INVALID;

    private function __construct()
    {
    }

    /**
     * php-rdkafka TopicPartitions to kafkabridge's.
     *
     * @param mixed  $partitions a list of RdKafka\TopicPartition
     * @param string $method     for the error message
     *
     * @return BridgeTopicPartition[]
     *
     * @throws \InvalidArgumentException for an element that is not an RdKafka\TopicPartition
     */
    public static function toBridgePartitions($partitions, string $method): array
    {
        if (!is_array($partitions)) {
            throw new \TypeError($method . '(): Argument #1 must be of type array, ' . gettype($partitions) . ' given');
        }
        $out = [];
        foreach ($partitions as $tp) {
            if (!$tp instanceof TopicPartition) {
                throw new \InvalidArgumentException($method . '(): Array value must be an instance of RdKafka\\TopicPartition, ' . (is_object($tp) ? get_class($tp) : gettype($tp)) . ' given');
            }
            $topic = $tp->getTopic();
            $out[] = new BridgeTopicPartition($topic === null ? '' : $topic, $tp->getPartition(), $tp->getOffset());
        }

        return $out;
    }

    /**
     * kafkabridge TopicPartitions to php-rdkafka's (with their per-partition error).
     *
     * @param BridgeTopicPartition[] $partitions
     *
     * @return TopicPartition[]
     */
    public static function fromBridgePartitions(array $partitions): array
    {
        $out = [];
        foreach ($partitions as $tp) {
            $copy = new TopicPartition($tp->getTopic(), $tp->getPartition(), $tp->getOffset());
            $copy->setErr($tp->getErr());
            $out[] = $copy;
        }

        return $out;
    }

    /**
     * A consumed message (or consumer error entry) with php-rdkafka's fields: an error entry
     * carries the error text as payload, as librdkafka's do; the timestamp is set when there is
     * a payload (-1 when the broker gave none); headers are name => value, the last value for
     * a repeated name.
     */
    public static function message(BridgeMessage $m): Message
    {
        $message = new Message();
        $message->err = $m->getErr();
        $message->topic_name = $m->getTopic() === '' ? null : $m->getTopic();
        $message->partition = $m->getPartition();
        $message->offset = $m->getOffset();
        $message->key = $m->getKey();
        if ($m->getErr() !== 0) {
            $text = $m->getErrorText();
            $message->payload = $text === null ? Functions::err2str($m->getErr()) : $text;
            $message->headers = [];
        } else {
            $message->payload = $m->getValue();
            $message->headers = $m->getHeaders()->toArray();
        }
        if ($message->payload !== null) {
            $message->len = strlen($message->payload);
            $message->timestamp = $m->getTimestampType() === BridgeMessage::TIMESTAMP_NOT_AVAILABLE ? -1 : $m->getTimestampMs();
        }

        return $message;
    }

    /**
     * What KafkaConsumer::consume() returns when no message came in time: err
     * RD_KAFKA_RESP_ERR__TIMED_OUT, everything else empty.
     */
    public static function timedOut(): Message
    {
        $message = new Message();
        $message->err = \RD_KAFKA_RESP_ERR__TIMED_OUT;

        return $message;
    }

    /**
     * producev() headers (name => value) as [name, value] pairs; values are converted to strings
     * as php-rdkafka does (null becomes ""). As in php-rdkafka, the headers end at the first
     * integer key (a list entry such as ['key'], or a numeric name such as '7', which PHP stores
     * as an integer): it and what follows are not sent.
     *
     * @param mixed $headers
     *
     * @return array<int, array{0: string, 1: string|null}>
     */
    public static function headers($headers): array
    {
        if ($headers === null) {
            return [];
        }
        if (!is_array($headers)) {
            throw new \TypeError('RdKafka\\ProducerTopic::producev(): Argument #5 ($headers) must be of type ?array, ' . gettype($headers) . ' given');
        }
        $pairs = [];
        foreach ($headers as $name => $value) {
            if (is_int($name)) {
                break;
            }
            if (is_array($value) || (is_object($value) && !method_exists($value, '__toString'))) {
                throw new \TypeError('header "' . $name . '" must be a string');
            }
            $pairs[] = [(string) $name, (string) $value];
        }

        return $pairs;
    }

    /** "topic\0partition": the key of a topic partition in the drop-in's tables. */
    public static function key(string $topic, int $partition): string
    {
        return $topic . "\0" . $partition;
    }
}
