<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Facts about a consumer handle (kb_consumer_get_info()): whether a persistent session reused
 * its group member, and what the member holds between sessions.
 */
final class ConsumerInfo
{
    /** @var array<string, int|bool> */
    private $facts;

    /**
     * @internal built from kb_consumer_info
     *
     * @param array<string, int|bool> $facts
     */
    public function __construct(array $facts)
    {
        $this->facts = $facts;
    }

    /** A session of a persistent (bridge.persistent.name) consumer. */
    public function isPersistent(): bool
    {
        return (bool) $this->facts['persistent'];
    }

    /** Attached to a member that already existed: no group join for this session. */
    public function isReused(): bool
    {
        return (bool) $this->facts['reused'];
    }

    public function getAgeMs(): int
    {
        return (int) $this->facts['age_ms'];
    }

    /** Sessions that have ended on the member. */
    public function getSessionsServed(): int
    {
        return (int) $this->facts['sessions_served'];
    }

    /** Messages the member prefetched for the next session. */
    public function getBufferedMessages(): int
    {
        return (int) $this->facts['buffered_messages'];
    }

    public function getBufferedBytes(): int
    {
        return (int) $this->facts['buffered_bytes'];
    }

    /** Partitions the member paused because its buffer is full. */
    public function getPausedPartitions(): int
    {
        return (int) $this->facts['paused_partitions'];
    }

    /** Messages handed to sessions that ended without committing them (handed out again). */
    public function getRedelivered(): int
    {
        return (int) $this->facts['redelivered'];
    }

    /** Times the member left its group while idle (bridge.consumer.idle.ms) and rejoined. */
    public function getIdleLeaves(): int
    {
        return (int) $this->facts['idle_leaves'];
    }

    /** The process that created the consumer (never a fork parent: a child makes its own). */
    public function getCreatorPid(): int
    {
        return (int) $this->facts['creator_pid'];
    }

    /** The group's generation, its rebalances so far as the broker counts them; -1 before joining. */
    public function getGroupGeneration(): int
    {
        return (int) $this->facts['group_generation'];
    }

    /** Partitions assigned to the consumer now. */
    public function getAssignedPartitions(): int
    {
        return (int) $this->facts['assigned_partitions'];
    }

    /** Rebalances the consumer (the member, across idle leaves) took part in. */
    public function getRebalances(): int
    {
        return (int) $this->facts['rebalances'];
    }
}
