<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * A librdkafka log line (enable more with the `debug` and `log_level` properties).
 */
final class LogEvent extends Event
{
    /** @var int */
    private $level;

    /** @var string */
    private $facility;

    /**
     * @internal built from the library's event view
     */
    public function __construct(int $level, string $facility, string $message)
    {
        parent::__construct(self::LOG, 0, $message);
        $this->level = $level;
        $this->facility = $facility;
    }

    /** The syslog level: 0 (emergency) .. 7 (debug). */
    public function getLevel(): int
    {
        return $this->level;
    }

    /** librdkafka's facility, for example "BROKER" or "CONFWARN". */
    public function getFacility(): string
    {
        return $this->facility;
    }

    public function getMessage(): string
    {
        return (string) $this->getText();
    }
}
