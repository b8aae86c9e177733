<?php

declare(strict_types=1);

namespace KafkaBridge\Internal;

use FFI\CData;
use KafkaBridge\CommitEvent;
use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Event;
use KafkaBridge\Library;
use KafkaBridge\LogEvent;
use KafkaBridge\OAuthBearerRefreshEvent;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\StatsEvent;
use KafkaBridge\TopicPartition;

/**
 * A batch of events read through kb_event_batch_packed(): one FFI::string() copy and one
 * unpack() of the table per batch instead of a dozen FFI field reads per event (the layout is
 * in include/kafkabridge.h). A cursor: next() decodes the event at $row and moves past it; a
 * hot loop (the RdKafka drop-in's delivery reports) may read the table itself and move $row
 * and $pos the same way.
 *
 * @internal
 */
final class PackedEvents
{
    /** The int64 fields of an event's row. */
    public const FIELDS = 10;

    /** @var array<int, int> the table: row r's field f is at [r * FIELDS + f + 1] */
    public $table;

    /** @var string */
    public $bytes;

    /** @var int */
    public $count;

    /** @var int the next event's row */
    public $row = 0;

    /** @var int where the next event's data starts in $bytes */
    public $pos;

    private function __construct(string $bytes, int $count)
    {
        $this->bytes = $bytes;
        $this->count = $count;
        $this->table = $count === 0 ? [] : unpack('q' . ($count * self::FIELDS), $bytes);
        $this->pos = $count * self::FIELDS * 8;
    }

    /**
     * Reads a kb_event_batch and frees it.
     */
    public static function take(\FFI $ffi, CData $batch): self
    {
        try {
            $count = (int) $ffi->kb_event_batch_count($batch);
            if ($count === 0) {
                return new self('', 0);
            }
            $data = $ffi->new('const uint8_t*');
            $len = $ffi->new('size_t');
            Library::check($ffi->kb_event_batch_packed($batch, \FFI::addr($data), \FFI::addr($len)), 'kb_event_batch_packed');
            PackedMessages::checkByteOrder();

            return new self(\FFI::string($data, $len->cdata), $count);
        } finally {
            $ffi->kb_event_batch_free($batch);
        }
    }

    public function done(): bool
    {
        return $this->row >= $this->count;
    }

    /** The kind (Event::DELIVERY, ...) of the event next() returns. */
    public function kind(): int
    {
        return $this->table[$this->row * self::FIELDS + 1];
    }

    /**
     * The next $len bytes of the data (null for -1: absent), moving past them.
     */
    public function bytes(int $len): ?string
    {
        if ($len < 0) {
            return null;
        }
        $s = (string) substr($this->bytes, $this->pos, $len);
        $this->pos += $len;

        return $s;
    }

    /**
     * Decodes the next event into its Event subclass.
     */
    public function next(): Event
    {
        $i = $this->row++ * self::FIELDS + 1;
        $t = $this->table;
        $kind = $t[$i];
        $err = $t[$i + 1];
        $topic = $this->bytes($t[$i + 7]);
        $text = $this->bytes($t[$i + 8]);
        $partitions = [];
        for ($n = $t[$i + 9]; $n > 0; $n--) {
            $f = unpack('q5', $this->bytes, $this->pos);
            $this->pos += 40;
            $partitions[] = new TopicPartition((string) $this->bytes($f[4]), $f[1], $f[2], $this->bytes($f[5]), $f[3]);
        }
        switch ($kind) {
            case Event::DELIVERY:
                return new DeliveryReport($t[$i + 2], (string) $topic, $t[$i + 3], $t[$i + 4], $t[$i + 5], $err, $text);
            case Event::ERROR:
                return new ErrorEvent($err, $text, $t[$i + 6] !== 0);
            case Event::LOG:
                return new LogEvent($t[$i + 6], (string) $topic, (string) $text);
            case Event::STATS:
                return new StatsEvent((string) $text);
            case Event::REBALANCE:
                return new RebalanceEvent($err, $partitions, $text);
            case Event::COMMIT:
                return new CommitEvent($err, $partitions, $text);
            case Event::OAUTHBEARER_TOKEN_REFRESH:
                return new OAuthBearerRefreshEvent((string) $text);
            default:
                return new Event($kind, $err, $text);
        }
    }

    /**
     * Every remaining event.
     *
     * @return Event[]
     */
    public function all(): array
    {
        $events = [];
        while ($this->row < $this->count) {
            $events[] = $this->next();
        }

        return $events;
    }
}
