<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Internal\Native;

/**
 * What Producer, Consumer and Admin share: a native handle freed exactly once (close() or the
 * destructor), and the cluster queries any client can make (metadata, watermarks,
 * offsetsForTimes, listGroups).
 *
 * Clients cannot be cloned or serialized: each object owns one native handle.
 */
abstract class Client
{
    /** @var \FFI */
    protected $ffi;

    /** @var CData|null the native handle; null once closed */
    protected $handle;

    /** Frees the native handle (called once). */
    abstract protected function freeHandle(CData $handle): int;

    /**
     * Waits up to $timeoutMs for cluster metadata: every topic, or only $topic.
     *
     * @throws KafkaBridgeException a TimeoutException when no broker answered in time
     */
    public function metadata(?string $topic = null, int $timeoutMs = 5000): Metadata
    {
        $out = $this->ffi->new('kb_metadata*');
        Library::check(
            $this->ffi->kb_metadata_fetch(
                $this->handle('metadata'),
                $topic === null ? null : Native::name($topic, 'topic name'),
                Native::int32($timeoutMs, 'timeout_ms'),
                \FFI::addr($out)
            ),
            'kb_metadata_fetch'
        );
        try {
            $view = $this->ffi->new('kb_metadata_view');
            Library::check($this->ffi->kb_metadata_get_view($out, \FFI::addr($view)), 'kb_metadata_get_view');

            return Metadata::fromView($view);
        } finally {
            $this->ffi->kb_metadata_free($out);
        }
    }

    /**
     * Asks the broker for the low (first) and high (next to be written) offsets of a partition.
     *
     * @return array{0: int, 1: int} [low, high]
     *
     * @throws KafkaBridgeException
     */
    public function watermarks(string $topic, int $partition, int $timeoutMs = 5000): array
    {
        $low = $this->ffi->new('int64_t');
        $high = $this->ffi->new('int64_t');
        Library::check(
            $this->ffi->kb_watermarks(
                $this->handle('watermarks'),
                Native::name($topic, 'topic name'),
                Native::int32($partition, 'partition'),
                Native::int32($timeoutMs, 'timeout_ms'),
                \FFI::addr($low),
                \FFI::addr($high)
            ),
            'kb_watermarks'
        );

        return [(int) $low->cdata, (int) $high->cdata];
    }

    /**
     * The id of the cluster's controller broker, waiting up to $timeoutMs for a first metadata
     * answer; -1 when none is known by then.
     *
     * @throws KafkaBridgeException
     */
    public function controllerId(int $timeoutMs = 5000): int
    {
        $id = $this->ffi->new('int32_t');
        Library::check(
            $this->ffi->kb_controller_id($this->handle('controllerId'), Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($id)),
            'kb_controller_id'
        );

        return (int) $id->cdata;
    }

    /**
     * For each partition whose offset holds a timestamp in milliseconds, the earliest offset
     * whose timestamp is at or after it (Offset::END if none).
     *
     * @param TopicPartition[] $partitions
     *
     * @return TopicPartition[]
     *
     * @throws KafkaBridgeException
     */
    public function offsetsForTimes(array $partitions, int $timeoutMs = 5000): array
    {
        list($array, $count, $arena) = Native::topicPartitions($this->ffi, $partitions);
        $out = $this->ffi->new('kb_partition_list*');
        Library::check(
            $this->ffi->kb_offsets_for_times($this->handle('offsetsForTimes'), $array, $count, Native::int32($timeoutMs, 'timeout_ms'), \FFI::addr($out)),
            'kb_offsets_for_times'
        );
        unset($arena);

        return Native::takePartitionList($this->ffi, $out);
    }

    /**
     * Lists the cluster's consumer groups, or only $group.
     *
     * @return GroupInfo[]
     *
     * @throws KafkaBridgeException
     */
    public function listGroups(?string $group = null, int $timeoutMs = 5000): array
    {
        $out = $this->ffi->new('kb_group_list*');
        Library::check(
            $this->ffi->kb_group_list_fetch(
                $this->handle('listGroups'),
                $group === null ? null : Native::name($group, 'group name'),
                Native::int32($timeoutMs, 'timeout_ms'),
                \FFI::addr($out)
            ),
            'kb_group_list_fetch'
        );
        try {
            $entries = $this->ffi->new('const kb_group_info*');
            Library::check($this->ffi->kb_group_list_entries($out, \FFI::addr($entries)), 'kb_group_list_entries');
            $groups = [];
            for ($i = 0, $n = $this->ffi->kb_group_list_count($out); $i < $n; $i++) {
                $g = $entries[$i];
                $groups[] = new GroupInfo(
                    (string) $g->name,
                    (string) $g->state,
                    (string) $g->protocol_type,
                    (string) $g->protocol,
                    (int) $g->member_count
                );
            }

            return $groups;
        } finally {
            $this->ffi->kb_group_list_free($out);
        }
    }

    /** Whether close() was called. */
    public function isClosed(): bool
    {
        return $this->handle === null;
    }

    /**
     * Frees the native handle; later calls throw an InvalidStateException. A second close() is a
     * no-op.
     *
     * @throws KafkaBridgeException when freeing reported an error (the handle is freed anyway)
     */
    public function close(): void
    {
        if ($this->handle === null) {
            return;
        }
        $handle = $this->handle;
        $this->handle = null;
        Library::check($this->freeHandle($handle), static::class . '::close');
    }

    /**
     * Frees the native handle if close() was not called. Errors are not thrown from here (the
     * library writes undeliverable messages to stderr); call close() to see them.
     */
    public function __destruct()
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            $this->freeHandle($handle);
        }
    }

    /**
     * The live native handle.
     *
     * @throws KafkaBridgeException an InvalidStateException once closed
     */
    protected function handle(string $operation): CData
    {
        if ($this->handle === null) {
            throw KafkaBridgeException::create(
                ErrorCode::KB_INVALID_STATE,
                'the ' . strtolower((string) substr((string) strrchr('\\' . static::class, '\\'), 1)) . ' is closed',
                static::class . '::' . $operation
            );
        }

        return $this->handle;
    }

    /** Not clonable: the clone would free the same native handle a second time. */
    private function __clone()
    {
    }

    /**
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        throw new \LogicException(static::class . ' cannot be serialized: it owns a native handle');
    }

    /**
     * @param array<string, mixed> $data
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException(static::class . ' cannot be unserialized: it owns a native handle');
    }
}
