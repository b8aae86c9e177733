<?php

declare(strict_types=1);

namespace RdKafka;

use KafkaBridge\Config;
use KafkaBridge\Consumer as BridgeConsumer;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\TopicPartition as BridgeTopicPartition;
use RdKafka\Internal\Clock;
use RdKafka\Internal\Convert;
use RdKafka\Internal\Dispatcher;
use RdKafka\Internal\Errors;

/**
 * php-rdkafka's high-level consumer (consumer groups) on kafkabridge.
 *
 *     $conf->set('group.id', 'my-group');
 *     $consumer = new RdKafka\KafkaConsumer($conf);
 *     $consumer->subscribe(['events']);
 *     while ($running) {
 *         $message = $consumer->consume(1000);
 *         ...
 *     }
 *
 * Rebalances: kafkabridge applies each assignment or revocation itself and reports it; the
 * rebalance callback, if set, then runs inside consume() with php-rdkafka's arguments. The
 * customary `$kafka->assign($partitions)` / `$kafka->assign(null)` (or incrementalAssign() /
 * incrementalUnassign() of the same partitions) in the callback is consistent with what was
 * applied and changes nothing; an assignment that differs (other partitions, explicit offsets)
 * is applied. Without a rebalance callback nothing else happens, as with librdkafka's default.
 */
class KafkaConsumer
{
    /** @var BridgeConsumer|null null once closed */
    private $client;

    /** @var Dispatcher */
    private $dispatcher;

    /** @var RebalanceEvent|null the rebalance whose callback is running */
    private $rebalance;

    /** @var array<string, true> partitions assigned anew by the rebalance callback, during one consume() */
    private $reassigned = [];

    /** @var array<string, int> the offset after the last message returned, by partition (for EOF entries) */
    private $next = [];

    /** @var array<string, true> topics made with newTopic() */
    private $knownTopics = [];

    /**
     * @param Conf $conf properties (`group.id` is required) and callbacks (copied)
     *
     * @throws Exception without `group.id`, or for settings librdkafka refuses
     */
    public function __construct(Conf $conf)
    {
        $settings = $conf->settings();
        if (!isset($settings['group.id']) || $settings['group.id'] === '') {
            throw new Exception('"group.id" must be configured');
        }
        $this->dispatcher = new Dispatcher($this, $conf->callbacks(), 'consumer');
        // Static: no reference cycle (see RdKafka\Producer).
        $this->dispatcher->setRebalanceHandler(static function (KafkaConsumer $consumer, RebalanceEvent $event): void {
            $consumer->onRebalance($event);
        });
        try {
            $this->client = new BridgeConsumer(new Config($settings));
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Replaces the assignment with $topic_partitions (null or []: unassigns everything), each
     * starting at its offset (RD_KAFKA_OFFSET_STORED or -1001: the committed offset). Inside
     * the rebalance callback, an assignment equal to what kafkabridge applied is a no-op.
     *
     * @param TopicPartition[]|null $topic_partitions
     *
     * @throws Exception
     *
     * @return void
     */
    public function assign(?array $topic_partitions = null)
    {
        $client = $this->open();
        $wanted = Convert::toBridgePartitions($topic_partitions === null ? [] : $topic_partitions, static::class . '::assign');
        try {
            if ($this->rebalance !== null) {
                if ($wanted === [] && $this->rebalance->isRevoke()) {
                    return; // kafkabridge already revoked them
                }
                $current = $client->assignment();
                if ($this->sameAssignment($current, $wanted)) {
                    return;
                }
                $this->markReassigned(array_merge($current, $wanted));
            }
            $client->assign($wanted);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Adds partitions to the assignment (cooperative rebalancing). Inside the rebalance callback,
     * partitions kafkabridge already added (with no explicit offset) are skipped.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @throws Exception
     *
     * @return void
     */
    public function incrementalAssign(array $topic_partitions)
    {
        $client = $this->open();
        $wanted = Convert::toBridgePartitions($topic_partitions, static::class . '::incrementalAssign');
        try {
            if ($this->rebalance !== null) {
                $assigned = [];
                foreach ($client->assignment() as $tp) {
                    $assigned[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
                }
                $wanted = array_values(array_filter($wanted, function (BridgeTopicPartition $tp) use ($assigned): bool {
                    return !isset($assigned[Convert::key($tp->getTopic(), $tp->getPartition())]) || !$this->isDefaultOffset($tp);
                }));
                if ($wanted === []) {
                    return;
                }
                $unassign = [];
                foreach ($wanted as $tp) {
                    if (isset($assigned[Convert::key($tp->getTopic(), $tp->getPartition())])) {
                        $unassign[] = $tp; // assigned already: re-add at the explicit offset
                    }
                }
                if ($unassign !== []) {
                    $client->incrementalUnassign($unassign);
                }
                $this->markReassigned($wanted);
            }
            $client->incrementalAssign($wanted);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Removes partitions from the assignment. Inside the rebalance callback, partitions
     * kafkabridge already removed are skipped.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @throws Exception
     *
     * @return void
     */
    public function incrementalUnassign(array $topic_partitions)
    {
        $client = $this->open();
        $wanted = Convert::toBridgePartitions($topic_partitions, static::class . '::incrementalUnassign');
        try {
            if ($this->rebalance !== null) {
                $assigned = [];
                foreach ($client->assignment() as $tp) {
                    $assigned[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
                }
                $wanted = array_values(array_filter($wanted, static function (BridgeTopicPartition $tp) use ($assigned): bool {
                    return isset($assigned[Convert::key($tp->getTopic(), $tp->getPartition())]);
                }));
                if ($wanted === []) {
                    return;
                }
                $this->markReassigned($wanted);
            }
            $client->incrementalUnassign($wanted);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The current assignment.
     *
     * @throws Exception
     *
     * @return TopicPartition[]
     */
    public function getAssignment()
    {
        try {
            return Convert::fromBridgePartitions($this->open()->assignment());
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Commits offsets synchronously: with null the stored offsets of the assignment (by default
     * the position after the last consumed message), with a Message the offset after it, with
     * TopicPartitions their offsets (the next offsets to read).
     *
     * @param Message|TopicPartition[]|null $message_or_offsets
     *
     * @throws Exception for example RD_KAFKA_RESP_ERR__NO_OFFSET when there is nothing to commit
     *
     * @return void
     */
    public function commit($message_or_offsets = null)
    {
        $this->commitOffsets($message_or_offsets, false, 'commit');
    }

    /**
     * As commit(), without waiting: the result goes to the offset commit callback inside a
     * later consume().
     *
     * @param Message|TopicPartition[]|null $message_or_offsets
     *
     * @throws Exception
     *
     * @return void
     */
    public function commitAsync($message_or_offsets = null)
    {
        $this->commitOffsets($message_or_offsets, true, 'commitAsync');
    }

    /**
     * Leaves the group (revoking the assignment, committing when `enable.auto.commit`) and frees
     * the client, within `bridge.close.timeout.ms`. Other calls then throw.
     *
     * @throws Exception
     *
     * @return void
     */
    public function close()
    {
        $client = $this->open();
        $this->client = null;
        try {
            $client->close();
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The next message, waiting up to $timeout_ms. Rebalance, offset commit, error, log and
     * statistics callbacks run inside. Never null: when nothing came, the Message's err is
     * RD_KAFKA_RESP_ERR__TIMED_OUT; consumer errors (such as RD_KAFKA_RESP_ERR__PARTITION_EOF)
     * come as Messages with err set.
     *
     * @param int $timeout_ms
     *
     * @throws Exception
     *
     * @return Message
     */
    public function consume(int $timeout_ms)
    {
        $client = $this->open();
        $deadline = Clock::deadline($timeout_ms);
        $this->serveEvents($client);
        while (true) {
            $this->reassigned = [];
            try {
                $message = $client->poll(Clock::remaining($deadline));
            } catch (KafkaBridgeException $e) {
                throw Errors::convert($e);
            }
            $this->serveEvents($client);
            if ($message !== null && isset($this->reassigned[Convert::key($message->getTopic(), $message->getPartition())])) {
                // Fetched before the rebalance callback moved its partition: it will be fetched
                // again from where the callback put it.
                $message = null;
            }
            if ($message !== null) {
                $converted = Convert::message($message);
                $key = Convert::key($message->getTopic(), $message->getPartition());
                if ($message->getErr() === 0) {
                    $this->next[$key] = $message->getOffset() + 1;
                } elseif ($message->getErr() === \RD_KAFKA_RESP_ERR__PARTITION_EOF && $converted->offset < 0 && isset($this->next[$key])) {
                    // librdkafka's EOF entry carries the end offset; kafkabridge's does not.
                    $converted->offset = $this->next[$key];
                }

                return $converted;
            }
            if ($timeout_ms === 0 || Clock::passed($deadline)) {
                return Convert::timedOut();
            }
        }
    }

    /**
     * Subscribes to topics (names starting with "^" are regular expressions), replacing the
     * subscription. Partitions are assigned by the group inside consume().
     *
     * @param string[] $topics
     *
     * @throws Exception
     *
     * @return void
     */
    public function subscribe(array $topics)
    {
        try {
            $this->open()->subscribe(array_values(array_map('strval', $topics)));
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The subscribed topics.
     *
     * @throws Exception
     *
     * @return string[]
     */
    public function getSubscription()
    {
        try {
            return $this->open()->subscription();
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Leaves the subscription.
     *
     * @throws Exception
     *
     * @return void
     */
    public function unsubscribe()
    {
        try {
            $this->open()->unsubscribe();
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Fetches cluster metadata: all topics, only $only_topic, or (with $all_topics false and no
     * topic) the topics made with newTopic().
     *
     * @param bool       $all_topics
     * @param Topic|null $only_topic
     * @param int        $timeout_ms
     *
     * @throws Exception
     *
     * @return Metadata
     */
    public function getMetadata(bool $all_topics, ?Topic $only_topic, int $timeout_ms)
    {
        $name = $only_topic === null ? null : $only_topic->getName();
        try {
            $md = $this->open()->metadata($name, $timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $known = $this->knownTopics;
        $keep = null;
        if ($name !== null) {
            $keep = static function (string $topic) use ($name): bool {
                return $topic === $name;
            };
        } elseif (!$all_topics) {
            $keep = static function (string $topic) use ($known): bool {
                return isset($known[$topic]);
            };
        }

        return Metadata::fromBridge($md, $keep);
    }

    /**
     * A topic handle (for offsetStore() and getMetadata()). Topic properties are not applied:
     * the consumer's configuration serves every topic.
     *
     * @param string         $topic_name
     * @param TopicConf|null $topic_conf
     *
     * @return KafkaConsumerTopic
     */
    public function newTopic(string $topic_name, ?TopicConf $topic_conf = null)
    {
        $this->open();
        $this->knownTopics[$topic_name] = true;

        return new KafkaConsumerTopic($this, $topic_name);
    }

    /**
     * The group's committed offsets of partitions (-1001, RD_KAFKA_OFFSET_INVALID, where none).
     *
     * @param TopicPartition[] $topic_partitions
     * @param int              $timeout_ms
     *
     * @throws Exception
     *
     * @return TopicPartition[]
     */
    public function getCommittedOffsets(array $topic_partitions, int $timeout_ms)
    {
        $parts = Convert::toBridgePartitions($topic_partitions, static::class . '::getCommittedOffsets');
        try {
            return Convert::fromBridgePartitions($this->open()->committed($parts, $timeout_ms));
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The current positions (offset of the next message consume() returns) of partitions;
     * -1001 with RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION for partitions not assigned.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @throws Exception
     *
     * @return TopicPartition[]
     */
    public function getOffsetPositions(array $topic_partitions)
    {
        Convert::toBridgePartitions($topic_partitions, static::class . '::getOffsetPositions');
        try {
            $positions = [];
            foreach ($this->open()->position() as $tp) {
                $positions[Convert::key($tp->getTopic(), $tp->getPartition())] = $tp;
            }
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $out = [];
        foreach ($topic_partitions as $tp) {
            $key = Convert::key((string) $tp->getTopic(), $tp->getPartition());
            $result = new TopicPartition((string) $tp->getTopic(), $tp->getPartition(), Convert::OFFSET_INVALID);
            if (isset($positions[$key])) {
                $result->setOffset($positions[$key]->getOffset());
                $result->setErr($positions[$key]->getErr());
            } else {
                $result->setErr(\RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
            }
            $out[] = $result;
        }

        return $out;
    }

    /**
     * Asks the broker for the low (first) and high (next to be written) offsets of a partition.
     *
     * @param string $topic
     * @param int    $partition
     * @param int    $low       set to the low watermark
     * @param int    $high      set to the high watermark
     * @param int    $timeout_ms
     *
     * @throws Exception
     *
     * @return void
     */
    public function queryWatermarkOffsets(string $topic, int $partition, &$low, &$high, int $timeout_ms)
    {
        try {
            list($low, $high) = $this->open()->watermarks($topic, $partition, $timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The id of the cluster's controller broker, waiting up to $timeout_ms for the first
     * metadata answer; -1 when none is known by then.
     *
     * @return int
     */
    public function getControllerId(int $timeout_ms)
    {
        try {
            return $this->open()->controllerId($timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * For each partition whose offset holds a timestamp (ms), the earliest offset whose
     * timestamp is at or after it (RD_KAFKA_OFFSET_END if none).
     *
     * @param TopicPartition[] $topic_partitions
     * @param int              $timeout_ms
     *
     * @throws Exception
     *
     * @return TopicPartition[]
     */
    public function offsetsForTimes(array $topic_partitions, int $timeout_ms)
    {
        $parts = Convert::toBridgePartitions($topic_partitions, static::class . '::offsetsForTimes');
        try {
            return Convert::fromBridgePartitions($this->open()->offsetsForTimes($parts, $timeout_ms));
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Pauses fetching for assigned partitions: consume() returns none of their messages until
     * resumed.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @throws Exception
     *
     * @return TopicPartition[] the partitions with their error (0)
     */
    public function pausePartitions(array $topic_partitions)
    {
        $parts = Convert::toBridgePartitions($topic_partitions, static::class . '::pausePartitions');
        try {
            $this->open()->pause($parts);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }

        return self::withNoError($topic_partitions);
    }

    /**
     * Resumes fetching for paused partitions.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @throws Exception
     *
     * @return TopicPartition[] the partitions with their error (0)
     */
    public function resumePartitions(array $topic_partitions)
    {
        $parts = Convert::toBridgePartitions($topic_partitions, static::class . '::resumePartitions');
        try {
            $this->open()->resume($parts);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }

        return self::withNoError($topic_partitions);
    }

    /**
     * KafkaConsumerTopic::offsetStore(): stores $offset + 1 for the next commit.
     *
     * @internal for KafkaConsumerTopic
     */
    public function storeOffsetFor(string $topic, int $partition, int $offset): void
    {
        try {
            $this->open()->storeOffset($topic, $partition, $offset + 1);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The open client.
     *
     * @throws Exception once closed
     */
    private function open(): BridgeConsumer
    {
        if ($this->client === null) {
            throw new Exception('RdKafka\\KafkaConsumer is closed', \RD_KAFKA_RESP_ERR__STATE);
        }

        return $this->client;
    }

    /**
     * Collects the client's events (rebalances, commit results, errors, logs, statistics) and
     * runs their callbacks.
     */
    private function serveEvents(BridgeConsumer $client): void
    {
        do {
            try {
                $events = $client->events(0, 1000);
            } catch (KafkaBridgeException $e) {
                throw Errors::convert($e);
            }
            $this->dispatcher->add($events);
            $this->dispatcher->dispatch();
        } while (count($events) === 1000);
    }

    /**
     * Runs the rebalance callback for a rebalance kafkabridge applied, with assign() and the
     * incremental calls in "consistency" mode (see the class comment).
     */
    private function onRebalance(RebalanceEvent $event): void
    {
        $cb = $this->dispatcher->callback('rebalance');
        if ($cb === null) {
            return;
        }
        $this->rebalance = $event;
        try {
            $cb($this, Errors::code($event->getErr()), Convert::fromBridgePartitions($event->getPartitions()));
        } finally {
            $this->rebalance = null;
        }
    }

    /**
     * Whether $wanted names the same partitions as $current with no offsets of its own
     * (RD_KAFKA_OFFSET_STORED / -1001, or the offsets the rebalance reported).
     *
     * @param BridgeTopicPartition[] $current
     * @param BridgeTopicPartition[] $wanted
     */
    private function sameAssignment(array $current, array $wanted): bool
    {
        $have = [];
        foreach ($current as $tp) {
            $have[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
        }
        $want = [];
        foreach ($wanted as $tp) {
            if (!$this->isDefaultOffset($tp)) {
                return false;
            }
            $want[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
        }

        return $have == $want;
    }

    /** Whether a partition handed to assign() in the rebalance callback leaves the offset alone. */
    private function isDefaultOffset(BridgeTopicPartition $tp): bool
    {
        $offset = $tp->getOffset();
        if ($offset === Convert::OFFSET_INVALID || $offset === \RD_KAFKA_OFFSET_STORED) {
            return true;
        }
        if ($this->rebalance !== null) {
            foreach ($this->rebalance->getPartitions() as $reported) {
                if ($reported->getTopic() === $tp->getTopic() && $reported->getPartition() === $tp->getPartition()) {
                    return $reported->getOffset() === $offset;
                }
            }
        }

        return false;
    }

    /**
     * @param BridgeTopicPartition[] $partitions
     */
    private function markReassigned(array $partitions): void
    {
        foreach ($partitions as $tp) {
            $this->reassigned[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
        }
    }

    /**
     * Copies of the partitions with error 0.
     *
     * @param TopicPartition[] $partitions
     *
     * @return TopicPartition[]
     */
    private static function withNoError(array $partitions): array
    {
        $out = [];
        foreach ($partitions as $tp) {
            $copy = new TopicPartition((string) $tp->getTopic(), $tp->getPartition(), $tp->getOffset());
            $copy->setErr(0);
            $out[] = $copy;
        }

        return $out;
    }

    /**
     * @param mixed $value Message, TopicPartition[] or null
     */
    private function commitOffsets($value, bool $async, string $method): void
    {
        $client = $this->open();
        if ($value === null) {
            $offsets = null;
        } elseif ($value instanceof Message) {
            if ($value->topic_name === null) {
                throw new \InvalidArgumentException(static::class . '::' . $method . '(): the message has no topic (an error entry?)');
            }
            $offsets = [new BridgeTopicPartition((string) $value->topic_name, (int) $value->partition, (int) $value->offset + 1)];
        } elseif (is_array($value)) {
            $offsets = Convert::toBridgePartitions($value, static::class . '::' . $method);
        } else {
            throw new \TypeError(static::class . '::' . $method . '(): Argument #1 ($message_or_offsets) must be of type RdKafka\\Message|array|null, ' . gettype($value) . ' given');
        }
        try {
            $client->commit($offsets, $async);
            if (!$async && $this->dispatcher->callback('offset_commit') !== null) {
                // librdkafka also reports synchronous commits to the offset commit callback
                // (at the next consume()); kafkabridge reports only asynchronous and automatic
                // ones. Without explicit offsets, what was committed is the stored offsets: the
                // positions, with the default enable.auto.offset.store.
                $committed = $offsets;
                if ($committed === null) {
                    $committed = array_values(array_filter($client->position(), static function (BridgeTopicPartition $tp): bool {
                        return $tp->getOffset() >= 0;
                    }));
                }
                $this->dispatcher->addCommit(0, Convert::fromBridgePartitions($committed));
            }
        } catch (KafkaBridgeException $e) {
            if (!$async && $this->dispatcher->callback('offset_commit') !== null && $offsets !== null) {
                $this->dispatcher->addCommit(Errors::code($e->getCode()), Convert::fromBridgePartitions($offsets));
            }
            throw Errors::convert($e);
        }
    }
}
