<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Internal\Native;
use KafkaBridge\Internal\PackedEvents;
use KafkaBridge\Internal\PackedMessages;

/**
 * A Kafka consumer.
 *
 * With `group.id` it can subscribe() (partitions are assigned by the group while poll() runs)
 * and commit. Without it, only manual assign() is possible; subscribe and commit then throw an
 * InvalidStateException.
 *
 * Group rebalances and commit results are applied by the library and reported as events
 * (events()/pollEvent()); the library never calls into PHP.
 */
final class Consumer extends Client
{
    /**
     * @param Config|array<string, string|int|float|bool> $config a Config or settings to build one
     *
     * @throws ConfigException for settings librdkafka refuses
     * @throws KafkaBridgeException
     */
    public function __construct($config = [])
    {
        $this->ffi = Library::ffi();
        $conf = Config::from($config);
        $out = $this->ffi->new('kb_consumer*');
        $err = $this->ffi->kb_consumer_new($conf->handle('new Consumer'), \FFI::addr($out));
        Library::check($err, 'kb_consumer_new', $err === ErrorCode::INVALID_ARG ? ConfigException::class : null);
        $this->handle = $out;
    }

    /**
     * A session of the process-wide group member named $name (needs `group.id`), created on
     * first use and kept in its group between sessions (in PHP-FPM: between the requests of a
     * worker), prefetching for the next session. close() (or the destructor) commits what the
     * session was handed (with enable.auto.commit, the default) and ends the session; the next
     * one continues after the last committed message. One session at a time; the same name with
     * different settings throws a ConfigConflictException naming the differing keys.
     *
     *     $consumer = Consumer::persistent('orders-reader', ['group.id' => 'orders', ...]);
     *     $consumer->subscribe(['orders']);          // the same subscription: no rebalance
     *     foreach ($consumer->pollBatch(100, 10) as $message) { ... }
     *     $consumer->close();
     *
     * @param Config|array<string, string|int|float|bool> $config (a Config is copied, not changed)
     *
     * @throws KafkaBridgeException an InvalidStateException while another session is open
     */
    public static function persistent(string $name, $config = []): self
    {
        $conf = $config instanceof Config ? clone $config : Config::from($config);
        $conf->set(Config::PERSISTENT_NAME, $name);

        return new self($conf);
    }

    /**
     * Facts about the handle: reuse of a persistent member, its buffer, sessions served.
     *
     * @throws KafkaBridgeException
     */
    public function info(): ConsumerInfo
    {
        $i = $this->ffi->new('kb_consumer_info');
        Library::check($this->ffi->kb_consumer_get_info($this->handle('info'), \FFI::addr($i)), 'kb_consumer_get_info');
        $facts = [];
        foreach (['persistent', 'reused', 'age_ms', 'sessions_served', 'buffered_messages', 'buffered_bytes', 'paused_partitions', 'redelivered', 'idle_leaves',
            'creator_pid', 'group_generation', 'assigned_partitions', 'rebalances'] as $field) {
            $facts[$field] = (int) $i->$field;
        }

        return new ConsumerInfo($facts);
    }

    /**
     * Subscribes to topics, replacing any subscription. Names starting with "^" are regular
     * expressions.
     *
     * @param string[] $topics
     *
     * @throws KafkaBridgeException an InvalidStateException without group.id
     */
    public function subscribe(array $topics): void
    {
        list($array, $count, $arena) = Native::nameArray($this->ffi, array_values($topics), 'topic name');
        Library::check($this->ffi->kb_consumer_subscribe($this->handle('subscribe'), $array, $count), 'kb_consumer_subscribe');
        unset($arena);
    }

    /**
     * Leaves the subscription (and the group's assignment).
     *
     * @throws KafkaBridgeException
     */
    public function unsubscribe(): void
    {
        Library::check($this->ffi->kb_consumer_unsubscribe($this->handle('unsubscribe')), 'kb_consumer_unsubscribe');
    }

    /**
     * The subscribed topics (and patterns).
     *
     * @return string[]
     *
     * @throws KafkaBridgeException
     */
    public function subscription(): array
    {
        $out = $this->ffi->new('kb_partition_list*');
        Library::check($this->ffi->kb_consumer_subscription($this->handle('subscription'), \FFI::addr($out)), 'kb_consumer_subscription');
        $topics = [];
        foreach (Native::takePartitionList($this->ffi, $out) as $tp) {
            $topics[] = $tp->getTopic();
        }

        return $topics;
    }

    /**
     * Replaces the assignment; each partition starts at its offset (Offset::STORED or
     * Offset::INVALID: the committed offset, Offset::BEGINNING, Offset::END, or a number). An
     * empty list unassigns everything.
     *
     * @param TopicPartition[] $partitions
     *
     * @throws KafkaBridgeException
     */
    public function assign(array $partitions): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        Library::check($this->ffi->kb_consumer_assign($this->handle('assign'), $array, $count), 'kb_consumer_assign');
        unset($arena);
    }

    /**
     * Adds partitions to the assignment.
     *
     * @param TopicPartition[] $partitions
     *
     * @throws KafkaBridgeException
     */
    public function incrementalAssign(array $partitions): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        Library::check($this->ffi->kb_consumer_incremental_assign($this->handle('incrementalAssign'), $array, $count), 'kb_consumer_incremental_assign');
        unset($arena);
    }

    /**
     * Removes partitions from the assignment.
     *
     * @param TopicPartition[] $partitions
     *
     * @throws KafkaBridgeException
     */
    public function incrementalUnassign(array $partitions): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        Library::check($this->ffi->kb_consumer_incremental_unassign($this->handle('incrementalUnassign'), $array, $count), 'kb_consumer_incremental_unassign');
        unset($arena);
    }

    /**
     * The current assignment.
     *
     * @return TopicPartition[]
     *
     * @throws KafkaBridgeException
     */
    public function assignment(): array
    {
        $out = $this->ffi->new('kb_partition_list*');
        Library::check($this->ffi->kb_consumer_assignment($this->handle('assignment'), \FFI::addr($out)), 'kb_consumer_assignment');

        return Native::takePartitionList($this->ffi, $out);
    }

    /**
     * Waits up to $timeoutMs for one message; null if none came. A consumer error (for example
     * partition EOF with enable.partition.eof) arrives as a Message whose getErr() is set. Group
     * joins, rebalances and commit results are served inside this call.
     *
     * @throws KafkaBridgeException an InvalidStateException once closed, an InvalidArgumentException
     *                              for a negative timeout
     */
    public function poll(int $timeoutMs): ?Message
    {
        $out = $this->ffi->new('kb_message*');
        Library::check($this->ffi->kb_consumer_poll($this->handle('poll'), Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($out)), 'kb_consumer_poll');
        if (\FFI::isNull($out)) {
            return null;
        }

        return Native::takeMessage($this->ffi, $out);
    }

    /**
     * Waits up to $timeoutMs in total for up to $max messages, with one call into the library;
     * returns early once $max arrived, and at a rebalance. Empty if none came.
     *
     * @return Message[]
     *
     * @throws KafkaBridgeException
     */
    public function pollBatch(int $timeoutMs, int $max = 100): array
    {
        return PackedMessages::decode($this->pollPacked($timeoutMs, $max, $max, 0), static function (
            int $err,
            string $topic,
            int $partition,
            int $offset,
            ?string $key,
            ?string $value,
            array $headers,
            int $timestampMs,
            int $timestampType,
            ?string $errorText
        ): Message {
            return new Message($topic, $partition, $offset, $key, $value, new Headers($headers), $timestampMs, $timestampType, $err, $errorText);
        });
    }

    /**
     * One kb_consumer_poll_packed() batch (bytes and count) for PackedMessages::decode(): waits up to
     * $timeoutMs until $min messages arrived, then adds those already fetched, up to $max
     * messages or $maxBytes bytes (0: no limit).
     *
     * @internal for the RdKafka drop-in, which builds its own message objects from the records
     *
     * @return array{0: string, 1: int}
     *
     * @throws KafkaBridgeException
     */
    public function pollPacked(int $timeoutMs, int $min, int $max, int $maxBytes): array
    {
        return PackedMessages::poll($this->ffi, $this->handle('pollBatch'), $timeoutMs, $min, $max, $maxBytes);
    }

    /**
     * Waits up to $timeoutMs for the next event (rebalance, commit result, error, log,
     * statistics); null if none came. Rebalance and commit events are produced while poll() runs.
     *
     * @throws KafkaBridgeException
     */
    public function pollEvent(int $timeoutMs = 0): ?Event
    {
        $out = $this->ffi->new('kb_event*');
        Library::check($this->ffi->kb_consumer_poll_event($this->handle('pollEvent'), Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($out)), 'kb_consumer_poll_event');
        if (\FFI::isNull($out)) {
            return null;
        }

        return Native::takeEvent($this->ffi, $out);
    }

    /**
     * Up to $max events with one call into the library (waiting up to $timeoutMs for the first).
     *
     * @return Event[]
     *
     * @throws KafkaBridgeException
     */
    public function events(int $timeoutMs = 0, int $max = 1000): array
    {
        $out = $this->ffi->new('kb_event_batch*');
        Library::check(
            $this->ffi->kb_consumer_poll_events($this->handle('events'), Native::int32($timeoutMs, 'timeout_ms'), Native::count($max, 'max'), \FFI::addr($out)),
            'kb_consumer_poll_events'
        );

        return PackedEvents::take($this->ffi, $out)->all();
    }

    /**
     * Commits offsets: the given partitions with their offsets (the next offset to read), or,
     * with null (or an empty list), the stored offsets of every assigned partition (by default
     * the position after the last message returned). $async returns at once; the result then
     * arrives as a CommitEvent.
     *
     * @param TopicPartition[]|null $offsets
     *
     * @throws KafkaBridgeException ErrorCode::NO_OFFSET when there is nothing to commit, an
     *                              InvalidStateException without group.id, broker errors
     */
    public function commit(?array $offsets = null, bool $async = false): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $offsets === null ? [] : $offsets);
        Library::check($this->ffi->kb_consumer_commit($this->handle('commit'), $array, $count, $async ? 1 : 0), 'kb_consumer_commit');
        unset($arena);
    }

    /**
     * Commits the offset after $message (its offset + 1) for its partition.
     *
     * @throws KafkaBridgeException
     */
    public function commitMessage(Message $message, bool $async = false): void
    {
        if ($message->isError()) {
            throw KafkaBridgeException::create(
                ErrorCode::KB_INVALID_ARGUMENT,
                'cannot commit an error entry (' . Library::errorName($message->getErr()) . ')',
                'Consumer::commitMessage'
            );
        }
        $this->commit([$message->nextTopicPartition()], $async);
    }

    /**
     * Stores $offset (the next offset to read) for a later commit, automatic or manual. Needs
     * `enable.auto.offset.store=false`.
     *
     * @throws KafkaBridgeException an InvalidStateException if the partition is not assigned
     */
    public function storeOffset(string $topic, int $partition, int $offset): void
    {
        Library::check(
            $this->ffi->kb_consumer_store_offset($this->handle('storeOffset'), Native::name($topic, 'topic name'), Native::int32($partition, 'partition'), $offset),
            'kb_consumer_store_offset'
        );
    }

    /**
     * The committed offsets of partitions (null: the assignment), from the group coordinator. A
     * partition without a commit has Offset::INVALID.
     *
     * @param TopicPartition[]|null $partitions
     *
     * @return TopicPartition[]
     *
     * @throws KafkaBridgeException
     */
    public function committed(?array $partitions = null, int $timeoutMs = 5000): array
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions === null ? [] : $partitions);
        $out = $this->ffi->new('kb_partition_list*');
        Library::check(
            $this->ffi->kb_consumer_committed($this->handle('committed'), $array, $count, Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($out)),
            'kb_consumer_committed'
        );
        unset($arena);

        return Native::takePartitionList($this->ffi, $out);
    }

    /**
     * The position (offset of the next message to be returned) of every assigned partition.
     *
     * @return TopicPartition[]
     *
     * @throws KafkaBridgeException
     */
    public function position(): array
    {
        $out = $this->ffi->new('kb_partition_list*');
        Library::check($this->ffi->kb_consumer_position($this->handle('position'), \FFI::addr($out)), 'kb_consumer_position');

        return Native::takePartitionList($this->ffi, $out);
    }

    /**
     * Moves an assigned partition's position to $offset (or an Offset constant).
     *
     * @throws KafkaBridgeException an InvalidStateException (ErrorCode::STATE) if not assigned
     */
    public function seek(string $topic, int $partition, int $offset, int $timeoutMs = 5000): void
    {
        Library::check(
            $this->ffi->kb_consumer_seek($this->handle('seek'), Native::name($topic, 'topic name'), Native::int32($partition, 'partition'), $offset, Native::int32($timeoutMs, 'timeout_ms')),
            'kb_consumer_seek'
        );
    }

    /**
     * Pauses fetching for partitions: poll() returns none of their messages until resumed.
     *
     * @param TopicPartition[] $partitions
     *
     * @throws KafkaBridgeException
     */
    public function pause(array $partitions): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        Library::check($this->ffi->kb_consumer_pause($this->handle('pause'), $array, $count), 'kb_consumer_pause');
        unset($arena);
    }

    /**
     * Resumes fetching for paused partitions.
     *
     * @param TopicPartition[] $partitions
     *
     * @throws KafkaBridgeException
     */
    public function resume(array $partitions): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        Library::check($this->ffi->kb_consumer_resume($this->handle('resume'), $array, $count), 'kb_consumer_resume');
        unset($arena);
    }

    /**
     * Leaves the group (revoking the assignment; committing if enable.auto.commit) within
     * `bridge.close.timeout.ms`, then frees the handle. A second close() is a no-op.
     *
     * @throws KafkaBridgeException a TimeoutException if leaving did not finish in time (the
     *                              handle is freed anyway)
     */
    public function close(): void
    {
        if ($this->handle === null) {
            return;
        }
        $handle = $this->handle;
        $this->handle = null;
        $closeErr = $this->ffi->kb_consumer_close($handle);
        $exception = $closeErr !== 0 ? KafkaBridgeException::fromError($closeErr, 'kb_consumer_close') : null;
        $freeErr = $this->ffi->kb_consumer_free($handle);
        if ($exception !== null) {
            throw $exception;
        }
        Library::check($freeErr, 'kb_consumer_free');
    }

    /**
     * The native kb_consumer* (for Producer::sendOffsetsToTransaction()).
     *
     * @internal
     */
    public function nativeHandle(): CData
    {
        return $this->handle('nativeHandle');
    }

    /**
     * Hands the client its SASL/OAUTHBEARER token, for example in answer to an
     * OAuthBearerRefreshEvent. The client asks for the next one at 80% of what is left of its
     * lifetime.
     *
     * @param int                   $lifetimeMs when the token expires, in milliseconds since the epoch
     * @param array<string, string> $extensions SASL extensions, name => value
     *
     * @throws KafkaBridgeException ErrorCode::INVALID_ARG for an expired token or a bad extension,
     *                              ErrorCode::STATE if `sasl.mechanism` is not OAUTHBEARER
     */
    public function setOAuthBearerToken(string $token, int $lifetimeMs, string $principal, array $extensions = []): void
    {
        Native::setOAuthBearerToken($this->ffi, 'kb_consumer_oauthbearer_set_token', $this->handle('setOAuthBearerToken'), $token, $lifetimeMs, $principal, $extensions);
    }

    /**
     * Tells the client no token could be had: reported as an ErrorEvent with
     * ErrorCode::AUTHENTICATION ("Failed to acquire SASL OAUTHBEARER token: $reason"); the client
     * asks again 10 seconds later.
     *
     * @throws KafkaBridgeException ErrorCode::STATE if `sasl.mechanism` is not OAUTHBEARER
     */
    public function setOAuthBearerTokenFailure(string $reason): void
    {
        Library::check($this->ffi->kb_consumer_oauthbearer_set_token_failure($this->handle('setOAuthBearerTokenFailure'), Native::name($reason, 'reason')), 'kb_consumer_oauthbearer_set_token_failure');
    }

    protected function freeHandle(CData $handle): int
    {
        return $this->ffi->kb_consumer_free($handle);
    }
}
