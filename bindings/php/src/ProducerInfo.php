<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Facts about a producer handle and its client (kb_producer_get_info()): proof of reuse across
 * requests instead of an assumption.
 */
final class ProducerInfo
{
    /** @var bool */
    private $persistent;

    /** @var bool */
    private $reused;

    /** @var int */
    private $clientId;

    /** @var int */
    private $creatorPid;

    /** @var int */
    private $ageMs;

    /** @var int */
    private $sessionsServed;

    /** @var int */
    private $inFlight;

    /** @var int */
    private $queuedEvents;

    /** @var int */
    private $eventsDropped;

    /** @var int */
    private $orphansDelivered;

    /** @var int */
    private $orphansFailed;

    /** @var array{spooled: int, refused: int, replayed: int, dropped: int} */
    private $spool;

    /**
     * @internal built from kb_producer_info
     */
    public function __construct(
        bool $persistent,
        bool $reused,
        int $clientId,
        int $creatorPid,
        int $ageMs,
        int $sessionsServed,
        int $inFlight,
        int $queuedEvents,
        int $eventsDropped,
        int $orphansDelivered,
        int $orphansFailed,
        array $spool = ['spooled' => 0, 'refused' => 0, 'replayed' => 0, 'dropped' => 0]
    ) {
        $this->persistent = $persistent;
        $this->reused = $reused;
        $this->clientId = $clientId;
        $this->creatorPid = $creatorPid;
        $this->ageMs = $ageMs;
        $this->sessionsServed = $sessionsServed;
        $this->inFlight = $inFlight;
        $this->queuedEvents = $queuedEvents;
        $this->eventsDropped = $eventsDropped;
        $this->orphansDelivered = $orphansDelivered;
        $this->orphansFailed = $orphansFailed;
        $this->spool = $spool;
    }

    /** Whether the client is a persistent (named) one. */
    public function isPersistent(): bool
    {
        return $this->persistent;
    }

    /** Whether this handle attached to a client that already existed (a reused connection). */
    public function isReused(): bool
    {
        return $this->reused;
    }

    /** Process-unique id of the underlying client. */
    public function getClientId(): int
    {
        return $this->clientId;
    }

    /** Process id that created the client (a fresh one after fork()). */
    public function getCreatorPid(): int
    {
        return $this->creatorPid;
    }

    /** Milliseconds since the client was created. */
    public function getAgeMs(): int
    {
        return $this->ageMs;
    }

    /** Handles ever attached to the client, this one included. */
    public function getSessionsServed(): int
    {
        return $this->sessionsServed;
    }

    /** Messages librdkafka still holds for the client (all sessions). */
    public function getInFlight(): int
    {
        return $this->inFlight;
    }

    /** Events waiting in this handle's queue. */
    public function getQueuedEvents(): int
    {
        return $this->queuedEvents;
    }

    /** Logs/statistics/errors dropped because this handle's queue was full. */
    public function getEventsDropped(): int
    {
        return $this->eventsDropped;
    }

    /** Reports that arrived after their session ended and were successful. */
    public function getOrphansDelivered(): int
    {
        return $this->orphansDelivered;
    }

    /** Reports that arrived after their session ended and were failures (also on stderr). */
    public function getOrphansFailed(): int
    {
        return $this->orphansFailed;
    }

    /**
     * The spool (`bridge.spool.dir`; all 0 without one), counted by this process: `spooled`
     * (written, each reported KB_ERR_SPOOLED), `refused` (it could not take them: full or a failed
     * write; reported failed), `replayed` (re-sent and delivered), `dropped` (re-sent and refused
     * by Kafka for good; logged).
     *
     * @return array{spooled: int, refused: int, replayed: int, dropped: int}
     */
    public function getSpool(): array
    {
        return $this->spool;
    }

    /**
     * Everything as an array (for logs and status pages).
     *
     * @return array<string, int|bool|array<string, int>>
     */
    public function toArray(): array
    {
        return [
            'persistent' => $this->persistent,
            'reused' => $this->reused,
            'client_id' => $this->clientId,
            'creator_pid' => $this->creatorPid,
            'age_ms' => $this->ageMs,
            'sessions_served' => $this->sessionsServed,
            'in_flight' => $this->inFlight,
            'queued_events' => $this->queuedEvents,
            'events_dropped' => $this->eventsDropped,
            'orphans_delivered' => $this->orphansDelivered,
            'orphans_failed' => $this->orphansFailed,
            'spool' => $this->spool,
        ];
    }
}
