<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\BatchProduceException;
use KafkaBridge\Exception\ConfigConflictException;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Internal\Arena;
use KafkaBridge\Internal\Native;
use KafkaBridge\Internal\PackedEvents;

/**
 * A Kafka producer.
 *
 * Without `bridge.persistent.name` it owns a private client: close() (or the destructor) flushes
 * it for up to `bridge.close.timeout.ms` and destroys it. With a name (see persistent()) it is a
 * session on the process-wide client of that name: closing ends the session and the client stays
 * connected for the next request.
 *
 * produce() only enqueues and returns the message id; the delivery report (a DeliveryReport event
 * carrying that id) is read with poll()/pollEvents(). produceSync() waits for one message's own
 * report.
 *
 * Keys, values and header values are bytes: any PHP string is sent as is (NUL bytes included);
 * null means absent (a null value is a tombstone) and "" means empty.
 */
final class Producer extends Client
{
    /** The length prefix of an absent (null) key or value in a packed batch (KB_PACKED_ABSENT). */
    private const PACKED_ABSENT = "\xff\xff\xff\xff";

    /** @var CData uint64_t[1]: produce()'s message id out-parameter, reused by every call */
    private $idOut;

    /** @var CData size_t[1]: produceBatch()'s accepted-count out-parameter, reused */
    private $acceptedOut;

    /** @var CData kb_delivery: produceSync()'s out-parameter, reused */
    private $deliveryOut;

    /** @var string|null the topic name produce() last checked for NUL bytes */
    private $checkedTopic;

    /**
     * @param Config|array<string, string|int|float|bool> $config a Config or settings to build one
     *
     * @throws ConfigConflictException when a persistent client of that name has different settings
     * @throws ConfigException         for settings librdkafka refuses
     * @throws KafkaBridgeException
     */
    public function __construct($config = [])
    {
        $this->ffi = Library::ffi();
        $conf = Config::from($config);
        $out = $this->ffi->new('kb_producer*');
        $err = $this->ffi->kb_producer_new($conf->handle('new Producer'), \FFI::addr($out));
        Library::check($err, 'kb_producer_new', $err === ErrorCode::INVALID_ARG ? ConfigException::class : null);
        $this->handle = $out;
        // Out-parameters allocated once rather than an FFI::new() per call. An array argument
        // is passed as a pointer to its first element.
        $this->idOut = $this->ffi->new('uint64_t[1]');
        $this->acceptedOut = $this->ffi->new('size_t[1]');
        $this->deliveryOut = $this->ffi->new('kb_delivery');
    }

    /**
     * A session on the process-wide producer client named $name, created on first use and reused
     * by later calls (in PHP-FPM: by later requests of the same worker). The same name with
     * different settings throws a ConfigConflictException naming the differing keys.
     *
     * @param Config|array<string, string|int|float|bool> $config (a Config is copied, not changed)
     *
     * @throws KafkaBridgeException
     */
    public static function persistent(string $name, $config = []): self
    {
        $conf = $config instanceof Config ? clone $config : Config::from($config);
        $conf->set(Config::PERSISTENT_NAME, $name);

        return new self($conf);
    }

    /**
     * Enqueues a message without waiting and returns its id; its DeliveryReport (with the same
     * id) comes from poll()/pollEvents().
     *
     * @param string                                                                    $topic
     * @param string|null                                                               $value       null: a tombstone
     * @param string|null                                                               $key         null: no key
     * @param Headers|array<int|string, string|null|array{0: string, 1: string|null}> $headers     name => ?value, or [name, ?value] pairs
     * @param int                                                                       $partition   a partition or Partition::UNASSIGNED
     * @param int                                                                       $timestampMs milliseconds since the epoch; 0: now
     *
     * @throws KafkaBridgeException a QueueFullException (poll, then retry), an InvalidArgumentException
     *                              (bad partition or timestamp), code 17 for an illegal topic name, ...
     */
    public function produce(string $topic, ?string $value, ?string $key = null, $headers = [], int $partition = Partition::UNASSIGNED, int $timestampMs = 0): int
    {
        // The binding's hot path. Each FFI operation costs a good part of what the library
        // needs for the produce itself, so there is one: key and value go straight to the
        // const void * parameters (no copy, see build.rs) and the id comes back through a reused
        // out-parameter. Built-ins are called fully qualified so PHP compiles them to opcodes.
        $handle = $this->handle ?? $this->handle('produce');
        if ($topic !== $this->checkedTopic) {
            $this->checkedTopic = Native::name($topic, 'topic name');
        }
        $h = $headers === [] ? null : $this->marshalHeaders($headers);
        $err = $this->ffi->kb_producer_produce(
            $handle,
            $topic,
            $partition >= -1 && $partition <= 0x7FFFFFFF ? $partition : Native::int32($partition, 'partition'),
            $key,
            $key === null ? 0 : \strlen($key),
            $value,
            $value === null ? 0 : \strlen($value),
            $h === null ? null : $h[1],
            $h === null ? 0 : $h[2],
            $timestampMs,
            $this->idOut
        );
        if ($err !== 0) {
            throw KafkaBridgeException::fromError($err, 'kb_producer_produce');
        }

        return $this->idOut[0];
    }

    /**
     * Produces one message and waits up to $timeoutMs for its own delivery report (not for other
     * messages, and without sitting out linger.ms). Returns where it was written.
     *
     * @param Headers|array<int|string, string|null|array{0: string, 1: string|null}> $headers
     *
     * @throws KafkaBridgeException the delivery error itself, or a TimeoutException if no report
     *                              came in time (the message stays queued; its report then
     *                              arrives through poll())
     */
    public function produceSync(string $topic, ?string $value, ?string $key = null, $headers = [], int $partition = Partition::UNASSIGNED, int $timestampMs = 0, int $timeoutMs = 10000): DeliveryReport
    {
        $h = $headers === [] ? null : $this->marshalHeaders($headers);
        $d = $this->deliveryOut;
        Library::check(
            $this->ffi->kb_producer_produce_sync(
                $this->handle('produceSync'),
                Native::name($topic, 'topic name'),
                Native::int32($partition, 'partition'),
                $key,
                $key === null ? 0 : \strlen($key),
                $value,
                $value === null ? 0 : \strlen($value),
                $h === null ? null : $h[1],
                $h === null ? 0 : $h[2],
                $timestampMs,
                Native::int32($timeoutMs, 'timeout_ms'),
                \FFI::addr($d)
            ),
            'kb_producer_produce_sync'
        );

        return new DeliveryReport((int) $d->message_id, $topic, $d->partition, $d->offset, $d->timestamp_ms);
    }

    /**
     * Enqueues many messages with one call into the library and returns their ids, in order.
     * Each record is an array with the keys of produce(): 'topic' (optional when $topic is given),
     * 'value', 'key', 'headers', 'partition', 'timestampMs'.
     *
     * @param array<int|string, array<string, mixed>> $records
     * @param string|null                             $topic   the topic of records that name none
     *
     * @return int[] message ids, in record order
     *
     * @throws BatchProduceException when a record is refused: the ones before it were enqueued
     *                               (getAcceptedIds()), it and the ones after were not
     * @throws KafkaBridgeException
     */
    public function produceBatch(array $records, ?string $topic = null): array
    {
        $handle = $this->handle('produceBatch');
        $count = count($records);
        if ($count === 0) {
            return [];
        }
        $packed = self::pack($records, $topic);
        if ($packed !== null) {
            return $this->producePacked($handle, $packed[0], $packed[1], $count);
        }
        $arena = new Arena();
        $topicOffsets = [];
        $plans = [];
        $headerTotal = 0;
        $position = 0;
        foreach ($records as $record) {
            if (!is_array($record)) {
                throw new \TypeError('record ' . $position . ' must be an array, got ' . gettype($record));
            }
            $unknown = array_diff(array_keys($record), ['topic', 'value', 'key', 'headers', 'partition', 'timestampMs']);
            if ($unknown !== []) {
                throw KafkaBridgeException::create(
                    ErrorCode::KB_INVALID_ARGUMENT,
                    'record ' . $position . ' has unknown keys: ' . implode(', ', $unknown)
                    . ' (known: topic, value, key, headers, partition, timestampMs)',
                    'Producer::produceBatch'
                );
            }
            $recordTopic = isset($record['topic']) ? $record['topic'] : $topic;
            if (!is_string($recordTopic)) {
                throw new \TypeError('record ' . $position . ' has no topic (give one per record or as produceBatch()\'s $topic)');
            }
            if (!isset($topicOffsets[$recordTopic])) {
                $topicOffsets[$recordTopic] = $arena->addName($recordTopic, 'topic name');
            }
            $key = isset($record['key']) ? $record['key'] : null;
            $value = isset($record['value']) ? $record['value'] : null;
            if (($key !== null && !is_string($key)) || ($value !== null && !is_string($value))) {
                throw new \TypeError('record ' . $position . ': key and value must be strings or null');
            }
            $partition = isset($record['partition']) ? $record['partition'] : Partition::UNASSIGNED;
            $timestampMs = isset($record['timestampMs']) ? $record['timestampMs'] : 0;
            if (!is_int($partition) || !is_int($timestampMs)) {
                throw new \TypeError('record ' . $position . ': partition and timestampMs must be ints');
            }
            $headerPlan = Native::planHeaders($arena, Native::headerPairs(isset($record['headers']) ? $record['headers'] : []));
            $plans[] = [
                $topicOffsets[$recordTopic],
                $key === null ? -1 : $arena->add($key),
                $key === null ? 0 : strlen($key),
                $value === null ? -1 : $arena->add($value),
                $value === null ? 0 : strlen($value),
                $headerPlan,
                $headerTotal,
                Native::int32($partition, 'partition of record ' . $position),
                $timestampMs,
            ];
            $headerTotal += count($headerPlan);
            $position++;
        }
        $arena->seal($this->ffi);

        // Every record's headers live in one kb_header array; each record points into it.
        $headers = $headerTotal > 0 ? $this->ffi->new('kb_header[' . $headerTotal . ']') : null;
        $recs = $this->ffi->new('kb_record[' . $count . ']');
        foreach ($plans as $i => $plan) {
            $rec = $recs[$i];
            $rec->topic = $arena->cstring($plan[0]);
            $rec->partition = $plan[7];
            $rec->key = $plan[1] < 0 ? null : $arena->bytes($plan[1]);
            $rec->key_len = $plan[2];
            $rec->value = $plan[3] < 0 ? null : $arena->bytes($plan[3]);
            $rec->value_len = $plan[4];
            $rec->timestamp_ms = $plan[8];
            $n = count($plan[5]);
            if ($n === 0) {
                $rec->headers = null;
                $rec->header_count = 0;
                continue;
            }
            foreach ($plan[5] as $j => $entry) {
                $header = $headers[$plan[6] + $j];
                $header->name = $arena->cstring($entry[0]);
                $header->value = $entry[1] < 0 ? null : $arena->bytes($entry[1]);
                $header->value_len = $entry[2];
            }
            // FFI::addr() of an element, not pointer arithmetic on a local: PHP's FFI moves the
            // type of a pointer held once to the sum, which breaks the pointer on reuse.
            $rec->headers = \FFI::addr($headers[$plan[6]]);
            $rec->header_count = $n;
        }

        $ids = $this->ffi->new('uint64_t[' . $count . ']');
        $err = $this->ffi->kb_producer_produce_batch($handle, $recs, $count, $ids, $this->acceptedOut);

        return $this->batchResult($err, 'kb_producer_produce_batch', $ids, $count);
    }

    /**
     * The packed form of a batch (see kb_producer_produce_packed() in kafkabridge.h) when every
     * record has nothing but a value, a key and the one topic they all share: [topic, packed
     * bytes]. Null sends the batch down the general path, which also reports whatever is wrong
     * with a record. Writing a kb_record array costs an FFI operation per field, several times
     * the cost of producing; this costs one string per record.
     *
     * @param array<int|string, mixed> $records
     *
     * @return array{0: string, 1: string}|null
     */
    private static function pack(array $records, ?string $topic): ?array
    {
        $batchTopic = $topic;
        $parts = [];
        // Length prefixes by length: batches mostly repeat a few sizes, and a lookup is cheaper
        // than pack(). Each holds an absent key in front of the value length.
        $prefixes = [];
        foreach ($records as $record) {
            // The common shape first: a value for $topic and nothing else.
            if ($topic !== null && \is_array($record) && \count($record) === 1 && \is_string($value = $record['value'] ?? null)) {
                $n = \strlen($value);
                $parts[] = $prefixes[$n] ?? ($prefixes[$n] = self::PACKED_ABSENT . \pack('V', $n));
                $parts[] = $value;
                continue;
            }
            if (!\is_array($record)) {
                return null;
            }
            // Absent and null fields mean the same, as on the general path; any other field
            // (headers, partition, timestampMs, a typo) takes the general path.
            $fields = 0;
            $key = null;
            $value = null;
            $recordTopic = $topic;
            if (\array_key_exists('value', $record)) {
                $value = $record['value'];
                $fields++;
            }
            if (\array_key_exists('key', $record)) {
                $key = $record['key'];
                $fields++;
            }
            if (\array_key_exists('topic', $record)) {
                $recordTopic = $record['topic'] ?? $topic;
                $fields++;
            }
            if ($fields !== \count($record) || !\is_string($recordTopic)
                || ($key !== null && !\is_string($key)) || ($value !== null && !\is_string($value))) {
                return null;
            }
            if ($recordTopic !== $batchTopic) {
                if ($batchTopic !== null) {
                    return null;
                }
                $batchTopic = $recordTopic;
            }
            $parts[] = $key === null ? self::PACKED_ABSENT : \pack('V', \strlen($key)) . $key;
            $parts[] = $value === null ? self::PACKED_ABSENT : \pack('V', \strlen($value)) . $value;
        }

        return [Native::name((string) $batchTopic, 'topic name'), \implode('', $parts)];
    }

    /**
     * One kb_producer_produce_packed() call for a batch pack() accepted.
     *
     * @return int[]
     *
     * @throws BatchProduceException
     */
    private function producePacked(CData $handle, string $topic, string $packed, int $count): array
    {
        $ids = $this->ffi->new('uint64_t[' . $count . ']');
        $err = $this->ffi->kb_producer_produce_packed(
            $handle,
            $topic,
            Partition::UNASSIGNED,
            $packed,
            \strlen($packed),
            $ids,
            $count,
            $this->acceptedOut
        );

        return $this->batchResult($err, 'kb_producer_produce_packed', $ids, $count);
    }

    /**
     * The ids of the records a batch call accepted, or a BatchProduceException carrying them.
     *
     * @return int[]
     *
     * @throws BatchProduceException
     */
    private function batchResult(int $err, string $operation, CData $ids, int $count): array
    {
        $accepted = \min((int) $this->acceptedOut[0], $count);
        $out = [];
        for ($i = 0; $i < $accepted; $i++) {
            $out[] = $ids[$i];
        }
        if ($err !== 0) {
            throw new BatchProduceException(KafkaBridgeException::fromError($err, $operation), $out, $accepted);
        }

        return $out;
    }

    /**
     * Waits up to $timeoutMs (0: don't wait) for the next event of this producer: a delivery
     * report of one of its messages, a client error, a log line or statistics. Null if none came.
     *
     * @throws KafkaBridgeException an InvalidArgumentException for a negative timeout
     */
    public function poll(int $timeoutMs = 0): ?Event
    {
        $out = $this->ffi->new('kb_event*');
        Library::check($this->ffi->kb_producer_poll($this->handle('poll'), Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($out)), 'kb_producer_poll');
        if (\FFI::isNull($out)) {
            return null;
        }

        return Native::takeEvent($this->ffi, $out);
    }

    /**
     * Waits up to $timeoutMs for a first event, then takes up to $max events that are ready,
     * with one call into the library. Empty if none came.
     *
     * @return Event[]
     *
     * @throws KafkaBridgeException an InvalidArgumentException for a negative timeout
     */
    public function pollEvents(int $timeoutMs = 0, int $max = 1000): array
    {
        $out = $this->ffi->new('kb_event_batch*');
        Library::check(
            $this->ffi->kb_producer_poll_batch($this->handle('pollEvents'), Native::int32($timeoutMs, 'timeout_ms'), Native::count($max, 'max'), \FFI::addr($out)),
            'kb_producer_poll_batch'
        );

        return PackedEvents::take($this->ffi, $out)->all();
    }

    /**
     * As pollEvents(), the batch left packed.
     *
     * @internal for the RdKafka drop-in, which reads delivery reports straight from the table
     *
     * @throws KafkaBridgeException
     */
    public function pollPackedEvents(int $timeoutMs, int $max): PackedEvents
    {
        $out = $this->ffi->new('kb_event_batch*');
        Library::check(
            $this->ffi->kb_producer_poll_batch($this->handle('pollEvents'), Native::int32($timeoutMs, 'timeout_ms'), Native::count($max, 'max'), \FFI::addr($out)),
            'kb_producer_poll_batch'
        );

        return PackedEvents::take($this->ffi, $out);
    }

    /**
     * Waits up to $timeoutMs until every message of the client (all its sessions) is delivered
     * or failed; their reports are then waiting in poll().
     *
     * @throws KafkaBridgeException a TimeoutException with the number still in flight
     */
    public function flush(int $timeoutMs = 10000): void
    {
        Library::check($this->ffi->kb_producer_flush($this->handle('flush'), Native::int32($timeoutMs, 'timeout_ms')), 'kb_producer_flush');
    }

    /**
     * Purges queued (Purge::QUEUE) and/or in-flight (Purge::INFLIGHT) messages; each gets a
     * failed delivery report (ErrorCode::PURGE_QUEUE / PURGE_INFLIGHT). On a persistent client
     * this purges every session's messages.
     *
     * @param int $flags Purge::* flags, or-ed
     *
     * @throws KafkaBridgeException
     */
    public function purge(int $flags = Purge::QUEUE | Purge::INFLIGHT): void
    {
        Library::check($this->ffi->kb_producer_purge($this->handle('purge'), $flags), 'kb_producer_purge');
    }

    /**
     * Messages librdkafka holds for the client plus events waiting in this handle's queue
     * (php-rdkafka's getOutQLen()).
     *
     * @throws KafkaBridgeException
     */
    public function queueLength(): int
    {
        $len = $this->ffi->new('int64_t');
        Library::check($this->ffi->kb_producer_queue_len($this->handle('queueLength'), \FFI::addr($len)), 'kb_producer_queue_len');

        return (int) $len->cdata;
    }

    /**
     * Facts about this handle and its client: persistent, reused, age, sessions served, ...
     *
     * @throws KafkaBridgeException
     */
    public function info(): ProducerInfo
    {
        $i = $this->ffi->new('kb_producer_info');
        Library::check($this->ffi->kb_producer_get_info($this->handle('info'), \FFI::addr($i)), 'kb_producer_get_info');

        return new ProducerInfo(
            $i->persistent !== 0,
            $i->reused !== 0,
            (int) $i->client_id,
            (int) $i->creator_pid,
            (int) $i->age_ms,
            (int) $i->sessions_served,
            (int) $i->in_flight,
            (int) $i->queued_events,
            (int) $i->events_dropped,
            (int) $i->orphans_delivered,
            (int) $i->orphans_failed,
            [
                'spooled' => (int) $i->spooled,
                'refused' => (int) $i->spool_refused,
                'replayed' => (int) $i->spool_replayed,
                'dropped' => (int) $i->spool_dropped,
            ]
        );
    }

    /**
     * Initialises transactions (needs `transactional.id`); once per client, before the first
     * beginTransaction().
     *
     * @throws KafkaBridgeException for example ErrorCode::NOT_CONFIGURED without transactional.id
     */
    public function initTransactions(int $timeoutMs = 30000): void
    {
        Library::check($this->ffi->kb_producer_init_transactions($this->handle('initTransactions'), Native::int32($timeoutMs, 'timeout_ms')), 'kb_producer_init_transactions');
    }

    /**
     * @throws KafkaBridgeException an InvalidStateException if not initialised or already in one
     */
    public function beginTransaction(): void
    {
        Library::check($this->ffi->kb_producer_begin_transaction($this->handle('beginTransaction')), 'kb_producer_begin_transaction');
    }

    /**
     * Flushes and commits the current transaction.
     *
     * @throws KafkaBridgeException
     */
    public function commitTransaction(int $timeoutMs = 30000): void
    {
        Library::check($this->ffi->kb_producer_commit_transaction($this->handle('commitTransaction'), Native::int32($timeoutMs, 'timeout_ms')), 'kb_producer_commit_transaction');
    }

    /**
     * Aborts the current transaction: read_committed consumers never see its messages.
     *
     * @throws KafkaBridgeException
     */
    public function abortTransaction(int $timeoutMs = 30000): void
    {
        Library::check($this->ffi->kb_producer_abort_transaction($this->handle('abortTransaction'), Native::int32($timeoutMs, 'timeout_ms')), 'kb_producer_abort_transaction');
    }

    /**
     * Adds $consumer's group offsets (the next offsets to read) to the current transaction
     * (consume-transform-produce).
     *
     * @param TopicPartition[] $offsets
     *
     * @throws KafkaBridgeException
     */
    public function sendOffsetsToTransaction(Consumer $consumer, array $offsets, int $timeoutMs = 30000): void
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $offsets);
        Library::check(
            $this->ffi->kb_producer_send_offsets_to_transaction(
                $this->handle('sendOffsetsToTransaction'),
                $consumer->nativeHandle(),
                $array,
                $count,
                Native::int32($timeoutMs, 'timeout_ms')
            ),
            'kb_producer_send_offsets_to_transaction'
        );
        unset($arena);
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
        Native::setOAuthBearerToken($this->ffi, 'kb_producer_oauthbearer_set_token', $this->handle('setOAuthBearerToken'), $token, $lifetimeMs, $principal, $extensions);
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
        Library::check($this->ffi->kb_producer_oauthbearer_set_token_failure($this->handle('setOAuthBearerTokenFailure'), Native::name($reason, 'reason')), 'kb_producer_oauthbearer_set_token_failure');
    }

    protected function freeHandle(CData $handle): int
    {
        return $this->ffi->kb_producer_free($handle);
    }

    /**
     * Headers for a produce call: [arena, kb_header* or null, count, kb_header[] or null]. Keep
     * the returned array until the call returns.
     *
     * @param Headers|array<int|string, string|null|array{0: string, 1: string|null}> $headers
     *
     * @return array{0: Arena, 1: CData|null, 2: int, 3: CData|null}
     */
    private function marshalHeaders($headers): array
    {
        $arena = new Arena();
        $plan = Native::planHeaders($arena, Native::headerPairs($headers));
        $arena->seal($this->ffi);
        $headerArray = Native::headerArray($this->ffi, $arena, $plan);

        return [
            $arena,
            $headerArray === null ? null : \FFI::addr($headerArray[0]),
            count($plan),
            $headerArray,
        ];
    }
}
