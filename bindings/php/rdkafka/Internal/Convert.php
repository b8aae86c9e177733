<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Native\Constants;

use KafkaBridge\Internal\PackedMessages;
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
     * The messages (or consumer error entries) of a kb_consumer_poll_packed() batch with
     * php-rdkafka's fields: an error entry carries the error text as payload, as librdkafka's
     * do; the timestamp is set when there is a payload (-1 when the broker gave none); headers
     * are name => value, the last value for a repeated name. The records are read
     * here rather than through KafkaBridge\Internal\PackedMessages::decode()'s callback: a
     * call per message cost 0.7 us, about what reading and building the message costs.
     *
     * @param array{0: string, 1: int} $batch bytes and record count
     * @param array<int, string>       $runs  set to: where each run of one partition's messages
     *                                        starts => the partition's key()
     *
     * @return Message[]
     */
    public static function packedMessages(array $batch, ?array &$runs): array
    {
        list($bytes, $count) = $batch;
        $out = [];
        $runs = [];
        if ($count === 0) {
            return $out;
        }
        $topic = '';
        $partition = -1;
        // The table: ten int64 per record (see kb_packed_messages_data()), then the data.
        $t = unpack('q' . ($count * 10), $bytes);
        $pos = $count * 80;
        for ($i = 1, $last = $count * 10; $i < $last; $i += 10) {
            $m = new Message();
            $err = $t[$i];
            $m->err = $err;
            $m->partition = $t[$i + 1];
            $m->offset = $t[$i + 2];
            $len = $t[$i + 5];
            if ($len > 0) {
                $m->topic_name = substr($bytes, $pos, $len);
                $pos += $len;
            }
            if ($m->partition !== $partition || $m->topic_name !== $topic) {
                $partition = $m->partition;
                $topic = $m->topic_name;
                $runs[count($out)] = $topic . "\0" . $partition;
            }
            $len = $t[$i + 6];
            if ($len >= 0) {
                $m->key = (string) substr($bytes, $pos, $len);
                $pos += $len;
            }
            $len = $t[$i + 7];
            if ($len >= 0) {
                $m->payload = (string) substr($bytes, $pos, $len);
                $pos += $len;
            }
            $len = $t[$i + 9];
            if ($len >= 0) {
                // An error entry carries the error text as payload, as librdkafka's do.
                $m->payload = (string) substr($bytes, $pos, $len);
                $pos += $len;
            } elseif ($err !== 0) {
                $m->payload = Functions::err2str($err);
            }
            // Error entries carry no headers (the library packs none for them).
            if ($t[$i + 8] > 0) {
                foreach (PackedMessages::headers($bytes, $pos, $t[$i + 8]) as $pair) {
                    $m->headers[$pair[0]] = $pair[1];
                }
            }
            if ($m->payload !== null) {
                $m->len = strlen($m->payload);
                $m->timestamp = $t[$i + 4] === BridgeMessage::TIMESTAMP_NOT_AVAILABLE ? -1 : $t[$i + 3];
            }
            $out[] = $m;
        }

        return $out;
    }

    /**
     * The runs of one partition's messages in $messages, as packedMessages() gives them.
     *
     * @param Message[] $messages
     *
     * @return array<int, string>
     */
    public static function runs(array $messages): array
    {
        $runs = [];
        $last = null;
        foreach ($messages as $i => $m) {
            $key = $m->topic_name . "\0" . $m->partition;
            if ($key !== $last) {
                $runs[$i] = $key;
                $last = $key;
            }
        }

        return $runs;
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
