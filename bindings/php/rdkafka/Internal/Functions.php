<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Library;

/**
 * What the rd_kafka_* functions (functions.php) and the drop-in's exceptions need: librdkafka's
 * error names and descriptions, read from libkafkabridge (which reads librdkafka's own table).
 *
 * @internal
 */
final class Functions
{
    /** The lowest code of kafkabridge's own KB_ERR_* range. */
    private const KB_RANGE_LOW = -1099;

    /** The highest code of kafkabridge's own KB_ERR_* range. */
    private const KB_RANGE_HIGH = -1001;

    /** @var array<int, array{code: int, name: string|null, desc: string|null}>|null */
    private static $descriptions;

    private function __construct()
    {
    }

    /**
     * rd_kafka_err2str(): librdkafka's description of $err, "Err-<code>?" for codes librdkafka
     * does not describe. kafkabridge's own codes (-1001..-1099) get kafkabridge's description.
     */
    public static function err2str(int $err): string
    {
        if (self::isKafkaBridgeCode($err)) {
            return Library::errorDescription($err);
        }
        if (!self::isKnown($err)) {
            return 'Err-' . $err . '?';
        }
        $description = Library::errorDescription($err);
        // kb_err_description() says "Unknown error" where librdkafka's table has no text
        // (_BEGIN, _END); librdkafka's rd_kafka_err2str() answers "Err-<code>?" there.
        if ($description === 'Unknown error') {
            return 'Err-' . $err . '?';
        }

        return $description;
    }

    /**
     * rd_kafka_err2name(): librdkafka's name of $err without the RD_KAFKA_RESP_ERR_ prefix,
     * "ERR_<code>?" for codes librdkafka does not know. kafkabridge's own codes get their
     * KB_ERR_* name.
     */
    public static function err2name(int $err): string
    {
        if (self::isKafkaBridgeCode($err)) {
            return Library::errorName($err);
        }
        if (!self::isKnown($err)) {
            return 'ERR_' . $err . '?';
        }

        return Library::errorName($err);
    }

    /**
     * rd_kafka_get_err_descs(): every code of librdkafka's table (the RD_KAFKA_RESP_ERR_*
     * constants), ascending, with its name and description (null where librdkafka has none).
     *
     * @return array<int, array{code: int, name: string|null, desc: string|null}>
     */
    public static function descriptions(): array
    {
        if (self::$descriptions === null) {
            $codes = [];
            $constants = get_defined_constants(true);
            foreach (isset($constants['user']) ? $constants['user'] : [] as $name => $value) {
                if (strncmp($name, 'RD_KAFKA_RESP_ERR_', 18) === 0 && is_int($value)) {
                    $codes[$value] = true;
                }
            }
            ksort($codes);
            $out = [];
            foreach (array_keys($codes) as $code) {
                $description = Library::errorDescription($code);
                $out[] = [
                    'code' => $code,
                    'name' => Library::errorName($code),
                    'desc' => $description === 'Unknown error' ? null : $description,
                ];
            }
            self::$descriptions = $out;
        }

        return self::$descriptions;
    }

    /**
     * rd_kafka_errno2err(): librdkafka's mapping of a system errno to an error code.
     */
    public static function errno2err(int $errno): int
    {
        // Linux errno values, as librdkafka's rd_kafka_errno2err() maps them.
        switch ($errno) {
            case 22: // EINVAL
                return \RD_KAFKA_RESP_ERR__INVALID_ARG;
            case 16: // EBUSY
                return \RD_KAFKA_RESP_ERR__CONFLICT;
            case 2: // ENOENT
                return \RD_KAFKA_RESP_ERR__NOENT;
            case 3: // ESRCH
                return \RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
            case 110: // ETIMEDOUT
                return \RD_KAFKA_RESP_ERR__TIMED_OUT;
            case 90: // EMSGSIZE
                return \RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
            case 105: // ENOBUFS
                return \RD_KAFKA_RESP_ERR__QUEUE_FULL;
            case 125: // ECANCELED
                return \RD_KAFKA_RESP_ERR__FATAL;
            default:
                return \RD_KAFKA_RESP_ERR__FAIL;
        }
    }

    /**
     * Threads of this process other than the calling one (Linux /proc), 0 if unknown.
     */
    public static function threadCount(): int
    {
        $status = @file_get_contents('/proc/self/status');
        if (is_string($status) && preg_match('/^Threads:\s+(\d+)/m', $status, $m)) {
            return max(0, (int) $m[1] - 1);
        }

        return 0;
    }

    /** Whether librdkafka's table has an entry for $err. */
    private static function isKnown(int $err): bool
    {
        return $err === \RD_KAFKA_RESP_ERR_UNKNOWN || Library::errorName($err) !== 'UNKNOWN';
    }

    /** Whether $err is one of kafkabridge's own codes (KB_ERR_*). */
    private static function isKafkaBridgeCode(int $err): bool
    {
        return $err >= self::KB_RANGE_LOW && $err <= self::KB_RANGE_HIGH;
    }
}
