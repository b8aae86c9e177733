<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Native\Constants;

/**
 * Something a client reports, drained with Producer::poll()/pollEvents() or
 * Consumer::pollEvent()/events(). The library never calls into PHP: events are queued per
 * handle and read on the calling thread. Each kind has a subclass (DeliveryReport, ErrorEvent,
 * LogEvent, StatsEvent, RebalanceEvent, CommitEvent, OAuthBearerRefreshEvent); a kind this binding does not know yet
 * comes back as a plain Event.
 */
class Event
{
    /** A produced message was delivered or failed: DeliveryReport. */
    public const DELIVERY = Constants::KB_EVENT_DELIVERY;

    /** A client-level error: ErrorEvent. */
    public const ERROR = Constants::KB_EVENT_ERROR;

    /** A librdkafka log line: LogEvent. */
    public const LOG = Constants::KB_EVENT_LOG;

    /** Statistics JSON (statistics.interval.ms): StatsEvent. */
    public const STATS = Constants::KB_EVENT_STATS;

    /** A consumer group rebalance, already applied: RebalanceEvent. */
    public const REBALANCE = Constants::KB_EVENT_REBALANCE;

    /** The result of an offset commit: CommitEvent. */
    public const COMMIT = Constants::KB_EVENT_COMMIT;

    /** The client wants a SASL/OAUTHBEARER token: OAuthBearerRefreshEvent. */
    public const OAUTHBEARER_TOKEN_REFRESH = Constants::KB_EVENT_OAUTHBEARER_TOKEN_REFRESH;

    /** @var int */
    private $type;

    /** @var int */
    private $err;

    /** @var string|null */
    private $text;

    /**
     * @internal built from the library's event view
     */
    public function __construct(int $type, int $err, ?string $text)
    {
        $this->type = $type;
        $this->err = $err;
        $this->text = $text;
    }

    /** One of the class constants (DELIVERY, ERROR, ...). */
    public function getType(): int
    {
        return $this->type;
    }

    /** The event's kb_err, 0 if none. */
    public function getErr(): int
    {
        return $this->err;
    }

    /** kb_err_name() of getErr(), for example "_TRANSPORT" ("NO_ERROR" for 0). */
    public function getErrorName(): string
    {
        return Library::errorName($this->err);
    }

    /** The event's text: an error message, a log line or statistics JSON; null if none. */
    public function getText(): ?string
    {
        return $this->text;
    }

    public function isError(): bool
    {
        return $this->err !== 0;
    }
}
