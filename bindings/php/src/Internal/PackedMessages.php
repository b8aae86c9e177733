<?php

declare(strict_types=1);

namespace KafkaBridge\Internal;

use FFI\CData;
use KafkaBridge\Library;

/**
 * Reads a batch of kb_consumer_poll_packed(): one FFI::string() copy per batch, then the
 * records are cut out of that PHP string (the layout is in include/kafkabridge.h, at
 * kb_packed_messages_data()). Reading each field of each message view across FFI instead cost
 * more than everything else per message.
 *
 * @internal
 */
final class PackedMessages
{
    /** The int64 fields of a record's row in the table that starts the buffer. */
    private const FIELDS = 10;

    private function __construct()
    {
    }

    /**
     * Polls one packed batch (see kb_consumer_poll_packed()): its bytes and its record count.
     *
     * @return array{0: string, 1: int}
     */
    public static function poll(\FFI $ffi, CData $consumer, int $timeoutMs, int $min, int $max, int $maxBytes): array
    {
        $out = $ffi->new('kb_packed_messages*');
        Library::check(
            $ffi->kb_consumer_poll_packed($consumer, Native::int32($timeoutMs, 'timeout_ms'), Native::count($min, 'min'), Native::count($max, 'max'), Native::count($maxBytes, 'max_bytes'), \FFI::addr($out)),
            'kb_consumer_poll_packed'
        );
        try {
            $data = $ffi->new('const uint8_t*');
            $len = $ffi->new('size_t');
            $count = $ffi->new('size_t');
            Library::check($ffi->kb_packed_messages_data($out, \FFI::addr($data), \FFI::addr($len), \FFI::addr($count)), 'kb_packed_messages_data');

            return $count->cdata === 0 ? ['', 0] : [\FFI::string($data, $len->cdata), $count->cdata];
        } finally {
            $ffi->kb_packed_messages_free($out);
        }
    }

    /**
     * Calls $make once per record, in order, with (err, topic, partition, offset, key, value,
     * headers as [name, value] pairs, timestamp_ms, timestamp_type, error text), each absent
     * field null, and returns what it returned.
     *
     * @template T
     *
     * @param array{0: string, 1: int} $batch from poll()
     * @param callable(int, string, int, int, ?string, ?string, array<int, array{0: string, 1: ?string}>, int, int, ?string): T $make
     *
     * @return T[]
     */
    public static function decode(array $batch, callable $make): array
    {
        list($bytes, $count) = $batch;
        if ($count === 0) {
            return [];
        }
        self::checkByteOrder();
        // The whole table with one unpack(): fields 1.. in row order.
        $t = unpack('q' . ($count * self::FIELDS), $bytes);
        $pos = $count * self::FIELDS * 8;
        $out = [];
        for ($i = 1, $last = $count * self::FIELDS; $i < $last; $i += self::FIELDS) {
            $len = $t[$i + 5];
            $topic = (string) substr($bytes, $pos, $len);
            $pos += $len;
            $key = null;
            $len = $t[$i + 6];
            if ($len >= 0) {
                $key = (string) substr($bytes, $pos, $len);
                $pos += $len;
            }
            $value = null;
            $len = $t[$i + 7];
            if ($len >= 0) {
                $value = (string) substr($bytes, $pos, $len);
                $pos += $len;
            }
            $text = null;
            $len = $t[$i + 9];
            if ($len >= 0) {
                $text = (string) substr($bytes, $pos, $len);
                $pos += $len;
            }
            $headers = $t[$i + 8] === 0 ? [] : self::headers($bytes, $pos, $t[$i + 8]);
            $out[] = $make($t[$i], $topic, $t[$i + 1], $t[$i + 2], $key, $value, $headers, $t[$i + 3], $t[$i + 4], $text);
        }

        return $out;
    }

    /**
     * Reads $count headers at $pos (moving past them) as [name, value] pairs.
     *
     * @return array<int, array{0: string, 1: string|null}>
     */
    public static function headers(string $bytes, int &$pos, int $count): array
    {
        $headers = [];
        for (; $count > 0; $count--) {
            $len = unpack('l', $bytes, $pos)[1];
            $name = (string) substr($bytes, $pos + 4, $len);
            $pos += 4 + $len;
            $len = unpack('l', $bytes, $pos)[1];
            $pos += 4;
            if ($len < 0) {
                $headers[] = [$name, null];
            } else {
                $headers[] = [$name, (string) substr($bytes, $pos, $len)];
                $pos += $len;
            }
        }

        return $headers;
    }

    /**
     * The buffer is little-endian and unpack()'s 'q' and 'l' read the machine's order; every
     * platform PHP's FFI serves (x86-64, arm64) is little-endian, but a big-endian one would
     * read garbage, so it is refused.
     */
    public static function checkByteOrder(): void
    {
        static $checked = false;
        if (!$checked) {
            if (pack('l', 1) !== "\x01\x00\x00\x00") {
                throw new \RuntimeException('kafkabridge\'s PHP binding needs a little-endian machine');
            }
            $checked = true;
        }
    }
}
