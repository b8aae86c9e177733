<?php

declare(strict_types=1);

namespace RdKafka;

use KafkaBridge\Config;
use KafkaBridge\Consumer as BridgeConsumer;
use KafkaBridge\Exception\InvalidStateException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\TopicPartition as BridgeTopicPartition;
use RdKafka\Internal\AutoPersistence;
use RdKafka\Internal\Clock;
use RdKafka\Internal\Convert;
use RdKafka\Internal\Dispatcher;
use RdKafka\Internal\Errors;
use RdKafka\Internal\Tokens;

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
 *
 * Messages are fetched from the library in batches (one call for up to BATCH_MAX messages that
 * are ready, never waiting for more than the first) and consume() hands them out one at a time.
 * With the default `enable.auto.offset.store=true` the offset of a message is stored once
 * consume() has returned it, never before: kafkabridge's client runs with the store off and the
 * drop-in stores the offsets of what it handed out before each fetch, commit, assignment change
 * and close, so a commit or a rebalance never covers a message the application has not seen.
 * Messages of a paused partition wait in the drop-in until it is resumed; those of a partition
 * taken away are dropped, uncommitted, for its next owner.
 *
 * Persistence: with `bridge.persistent.name` in the Conf, or with no change at all under
 * `KAFKABRIDGE_PERSISTENT=1` (environment) or `kafkabridge.persistent = 1` (php.ini), the object
 * is a session of a process-wide group member that stays in its group after the object goes
 * (one per distinct configuration; not with a rebalance callback, see
 * Internal\AutoPersistence). What the object fetched but did not return is handed out again to
 * the next session.
 */
class KafkaConsumer
{
    /** Messages fetched per library call at most, and the bytes a batch stops growing at. */
    private const BATCH_MAX = 1000;
    private const BATCH_BYTES = 1 << 20;

    /** @var BridgeConsumer|null null once closed */
    private $client;

    /** @var Dispatcher */
    private $dispatcher;

    /** @var RebalanceEvent|null the rebalance whose callback is running */
    private $rebalance;

    /** @var array<string, true> partitions assigned anew by the rebalance callback, during one consume() */
    private $reassigned = [];

    /** @var array<string, Message> the last message returned, by partition: to store, and for EOF entries */
    private $returned = [];

    /** @var array<string, true> partitions whose last returned message's offset is not stored yet */
    private $unstored = [];

    /** @var array<string, true> topics made with newTopic() */
    private $knownTopics = [];

    /** @var Message[] the current batch: returned before $cursor, waiting from it on */
    private $buffer = [];

    /** @var int */
    private $cursor = 0;

    /** @var array<int, string> where in $buffer each run of one partition's messages starts => its key */
    private $runs = [];

    /** @var int the messages before this one are in $returned already */
    private $noted = 0;

    /** @var bool whether the drop-in queued a callback of its own (a synchronous commit's) */
    private $callbacksQueued = false;

    /** @var array<string, Message[]> buffered messages of paused partitions, by partition */
    private $held = [];

    /** @var bool whether the drop-in stores the offsets of returned messages (enable.auto.offset.store) */
    private $storesOffsets;


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
        $this->storesOffsets = !in_array(strtolower((string) ($settings['enable.auto.offset.store'] ?? 'true')), ['false', '0', 'f', 'no', 'off'], true);
        $settings['enable.auto.offset.store'] = 'false';
        $this->dispatcher = new Dispatcher($this, $conf->callbacks(), 'consumer');
        // Static: no reference cycle (see RdKafka\Producer).
        $this->dispatcher->setRebalanceHandler(static function (KafkaConsumer $consumer, RebalanceEvent $event): void {
            $consumer->onRebalance($event);
        });
        $callbacks = $conf->callbacks();
        $auto = isset($callbacks['rebalance']) || isset($callbacks['oauthbearer_token_refresh']) ? $settings : AutoPersistence::apply($settings);
        try {
            try {
                $this->client = new BridgeConsumer(new Config($auto));
            } catch (InvalidStateException $e) {
                if ($auto === $settings) {
                    throw $e;
                }
                // The switch's member is held by another handle of this request: a private one.
                $this->client = new BridgeConsumer(new Config($settings));
            }
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Stores the offsets of the messages returned since the last fetch before the client goes
     * (freeing it commits the stored offsets when enable.auto.commit is on).
     */
    public function __destruct()
    {
        if ($this->client !== null) {
            try {
                $this->storeReturned($this->client);
            } catch (\Throwable $e) {
                // The client is gone already (process shutdown frees objects in any order).
            }
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
            } else {
                $this->storeReturned($client);
                $this->dropBuffered(null);
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
            } else {
                $this->dropBuffered(self::keys($wanted));
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
            } else {
                $this->storeReturned($client);
                $this->dropBuffered(self::keys($wanted));
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
     * kafkabridge's facts about the consumer (persistent, reused, sessions served, buffered,
     * rebalances, ...), or null once closed. A kafkabridge addition, not part of php-rdkafka's
     * API: it shows whether `bridge.persistent.name` or `KAFKABRIDGE_PERSISTENT` made this object
     * a session of a member that stays in its group.
     *
     * @return \KafkaBridge\ConsumerInfo|null
     */
    public function getBridgeInfo()
    {
        if ($this->client === null) {
            return null;
        }
        try {
            return $this->client->info();
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
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
        $this->storeReturned($client);
        $this->dropBuffered(null);
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
        if ($this->cursor < count($this->buffer) && $this->client !== null) {
            // The library's events wait for the next fetch; the drop-in's own (the offset
            // commit callback of a synchronous commit) run now, as before any message.
            if ($this->callbacksQueued) {
                $this->callbacksQueued = false;
                $this->dispatcher->dispatch();
            }
            $message = $this->buffer[$this->cursor++];

            return $message->err === 0 ? $message : $this->errorEntry($message);
        }
        $client = $this->open();
        $deadline = Clock::deadline($timeout_ms);
        $this->storeReturned($client);
        $this->serveEvents($client);
        while (true) {
            $this->reassigned = [];
            try {
                $batch = $client->pollPacked(Clock::remaining($deadline), 1, self::BATCH_MAX, self::BATCH_BYTES);
            } catch (KafkaBridgeException $e) {
                throw Errors::convert($e);
            }
            $this->serveEvents($client);
            $this->noteReturned();
            $this->buffer = Convert::packedMessages($batch, $this->runs);
            $this->cursor = 0;
            $this->noted = 0;
            if ($this->reassigned !== []) {
                // Fetched before the rebalance callback moved their partitions: they will be
                // fetched again from where the callback put them.
                $this->dropBuffered($this->reassigned);
            }
            if ($this->buffer !== []) {
                $message = $this->buffer[$this->cursor++];

                return $message->err === 0 ? $message : $this->errorEntry($message);
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
            $client = $this->open();
            $this->storeReturned($client);
            $this->dropBuffered(null);
            $client->unsubscribe();
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
        $positions = $this->positions($this->open());
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
     * Hands the client its SASL/OAUTHBEARER token, as RdKafka::oauthbearerSetToken() does (a
     * kafkabridge addition: php-rdkafka 6.0.4's KafkaConsumer has no way to answer its token
     * refresh callback).
     *
     * @param array<string, string> $extensions SASL extensions, name => value
     *
     * @throws Exception for an expired token, a bad extension, or without OAUTHBEARER
     *
     * @return void
     */
    public function oauthbearerSetToken(string $token_value, int $lifetime_ms, string $principal_name, array $extensions = [])
    {
        Tokens::set([$this->open()], $token_value, $lifetime_ms, $principal_name, $extensions);
    }

    /**
     * Tells the client no token could be had, as RdKafka::oauthbearerSetTokenFailure() does (a
     * kafkabridge addition).
     *
     * @throws Exception without OAUTHBEARER
     *
     * @return void
     */
    public function oauthbearerSetTokenFailure(string $error)
    {
        Tokens::fail([$this->open()], $error);
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
        $this->holdBuffered(self::keys($parts));

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
        $this->releaseHeld(self::keys($parts));

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
            $client = $this->open();
            $this->storeReturned($client);
            $client->storeOffset($topic, $partition, $offset + 1);
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
        if ($event->isRevoke()) {
            // Paused partitions taken away: their held messages belong to the next owner.
            $this->dropBuffered(self::keys($event->getPartitions()));
        }
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
     * An error entry about to be returned; an EOF entry without its end offset gets the offset
     * after the last message returned from its partition.
     */
    private function errorEntry(Message $message): Message
    {
        if ($message->err === \RD_KAFKA_RESP_ERR__PARTITION_EOF && $message->offset < 0) {
            $this->noteReturned();
            $key = $message->topic_name . "\0" . $message->partition;
            if (isset($this->returned[$key])) {
                $message->offset = $this->returned[$key]->offset + 1;
            }
        }

        return $message;
    }

    /**
     * Notes, per partition, the last of the messages consume() returned since the last time:
     * per run of one partition rather than per message, which keeps consume() itself free of
     * bookkeeping.
     */
    private function noteReturned(): void
    {
        if ($this->noted >= $this->cursor) {
            return;
        }
        $starts = array_keys($this->runs);
        foreach ($starts as $n => $start) {
            $end = min(isset($starts[$n + 1]) ? $starts[$n + 1] : count($this->buffer), $this->cursor);
            if ($end <= $this->noted) {
                continue;
            }
            if ($start >= $this->cursor) {
                break;
            }
            // Its last message (an EOF or error entry may follow it in the run).
            for ($i = $end - 1; $i >= max($start, $this->noted); $i--) {
                if ($this->buffer[$i]->err === 0) {
                    $key = $this->runs[$start];
                    $this->returned[$key] = $this->buffer[$i];
                    $this->unstored[$key] = true;
                    break;
                }
            }
        }
        $this->noted = $this->cursor;
    }

    /**
     * Stores the offsets after the messages consume() returned since the last time (one call
     * per partition), as librdkafka's enable.auto.offset.store would have as it returned them.
     * A partition no longer assigned is skipped, as librdkafka skips it.
     */
    private function storeReturned(BridgeConsumer $client): void
    {
        $this->noteReturned();
        $unstored = $this->unstored;
        $this->unstored = [];
        if (!$this->storesOffsets) {
            return;
        }
        foreach (array_keys($unstored) as $key) {
            $m = $this->returned[$key];
            try {
                $client->storeOffset((string) $m->topic_name, $m->partition, $m->offset + 1);
            } catch (KafkaBridgeException $e) {
                if (!in_array($e->getCode(), [\RD_KAFKA_RESP_ERR__STATE, \RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION], true)) {
                    throw Errors::convert($e);
                }
            }
        }
    }

    /**
     * Replaces the messages waiting in the buffer (the returned ones noted first).
     *
     * @param Message[] $waiting
     */
    private function rebuffer(array $waiting): void
    {
        $this->noteReturned();
        $this->buffer = $waiting;
        $this->cursor = 0;
        $this->noted = 0;
        $this->runs = Convert::runs($waiting);
    }

    /**
     * Forgets the buffered and held messages of the partitions $keys (null: all). Their offsets
     * were not stored, so they are read again from the committed offset or the new position.
     *
     * @param array<string, true>|null $keys
     */
    private function dropBuffered(?array $keys): void
    {
        if ($keys === null) {
            $this->held = [];
            $this->rebuffer([]);

            return;
        }
        $this->held = array_diff_key($this->held, $keys);
        $this->rebuffer(array_values(array_filter(array_slice($this->buffer, $this->cursor), static function (Message $m) use ($keys): bool {
            return !isset($keys[$m->topic_name . "\0" . $m->partition]);
        })));
    }

    /**
     * Moves the buffered messages of paused partitions aside until they are resumed (librdkafka
     * would not hand them out while paused, and it resumes fetching after them).
     *
     * @param array<string, true> $keys
     */
    private function holdBuffered(array $keys): void
    {
        $rest = [];
        for ($i = $this->cursor, $n = count($this->buffer); $i < $n; $i++) {
            $m = $this->buffer[$i];
            $key = $m->topic_name . "\0" . $m->partition;
            if (isset($keys[$key])) {
                $this->held[$key][] = $m;
            } else {
                $rest[] = $m;
            }
        }
        $this->rebuffer($rest);
    }

    /**
     * Puts the held messages of resumed partitions back in front of the buffer.
     *
     * @param array<string, true> $keys
     */
    private function releaseHeld(array $keys): void
    {
        $released = [];
        foreach (array_intersect_key($this->held, $keys) as $messages) {
            $released = array_merge($released, $messages);
        }
        if ($released !== []) {
            $this->held = array_diff_key($this->held, $keys);
            $this->rebuffer(array_merge($released, array_slice($this->buffer, $this->cursor)));
        }
    }

    /**
     * The positions of the assignment as the application sees them: where a partition has
     * messages fetched but not yet returned, the first of those (the library is past them).
     *
     * @return array<string, BridgeTopicPartition>
     */
    private function positions(BridgeConsumer $client): array
    {
        try {
            $positions = [];
            foreach ($client->position() as $tp) {
                $positions[Convert::key($tp->getTopic(), $tp->getPartition())] = $tp;
            }
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $pending = array_slice($this->buffer, $this->cursor);
        foreach ($this->held as $messages) {
            $pending = array_merge($pending, $messages);
        }
        $first = [];
        foreach ($pending as $m) {
            $key = $m->topic_name . "\0" . $m->partition;
            if ($m->err === 0 && isset($positions[$key]) && !isset($first[$key])) {
                $first[$key] = true;
                $positions[$key] = new BridgeTopicPartition((string) $m->topic_name, $m->partition, $m->offset);
            }
        }

        return $positions;
    }

    /**
     * "topic\0partition" keys of partitions.
     *
     * @param BridgeTopicPartition[] $partitions
     *
     * @return array<string, true>
     */
    private static function keys(array $partitions): array
    {
        $keys = [];
        foreach ($partitions as $tp) {
            $keys[Convert::key($tp->getTopic(), $tp->getPartition())] = true;
        }

        return $keys;
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
        if ($offsets === null) {
            $this->storeReturned($client);
        }
        try {
            $client->commit($offsets, $async);
            if (!$async && $this->dispatcher->callback('offset_commit') !== null) {
                // librdkafka also reports synchronous commits to the offset commit callback
                // (at the next consume()); kafkabridge reports only asynchronous and automatic
                // ones. Without explicit offsets, what was committed is the stored offsets: the
                // positions of what consume() returned, with the default enable.auto.offset.store.
                $committed = $offsets;
                if ($committed === null) {
                    $committed = array_values(array_filter($this->positions($client), static function (BridgeTopicPartition $tp): bool {
                        return $tp->getOffset() >= 0;
                    }));
                }
                $this->dispatcher->addCommit(0, Convert::fromBridgePartitions($committed));
                $this->callbacksQueued = true;
            }
        } catch (KafkaBridgeException $e) {
            if (!$async && $this->dispatcher->callback('offset_commit') !== null && $offsets !== null) {
                $this->dispatcher->addCommit(Errors::code($e->getCode()), Convert::fromBridgePartitions($offsets));
                $this->callbacksQueued = true;
            }
            throw Errors::convert($e);
        }
    }
}
