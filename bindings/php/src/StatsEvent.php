<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * librdkafka's statistics JSON, emitted every `statistics.interval.ms`.
 */
final class StatsEvent extends Event
{
    /**
     * @internal built from the library's event view
     */
    public function __construct(string $json)
    {
        parent::__construct(self::STATS, 0, $json);
    }

    /** The statistics as JSON text. */
    public function getJson(): string
    {
        return (string) $this->getText();
    }

    /**
     * The statistics decoded into arrays.
     *
     * @return array<string, mixed>
     */
    public function decode(): array
    {
        $data = json_decode($this->getJson(), true);
        if (!is_array($data)) {
            throw new \UnexpectedValueException('statistics are not a JSON object: ' . json_last_error_msg());
        }

        return $data;
    }
}
