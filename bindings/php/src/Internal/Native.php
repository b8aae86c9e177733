<?php

declare(strict_types=1);

namespace KafkaBridge\Internal;

use FFI\CData;
use KafkaBridge\CommitEvent;
use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorCode;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Event;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Headers;
use KafkaBridge\Library;
use KafkaBridge\LogEvent;
use KafkaBridge\Message;
use KafkaBridge\OAuthBearerRefreshEvent;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\StatsEvent;
use KafkaBridge\TopicPartition;

/**
 * Marshalling between PHP values and the C structs of kafkabridge.h. Views are copied out into
 * PHP values before the native object they borrow from is freed.
 *
 * @internal
 */
final class Native
{
    private function __construct()
    {
    }

    /**
     * A name (topic, config key, header name) as the C API takes it: NUL-terminated, so a NUL
     * inside would silently cut it short. Refused instead.
     *
     * @throws KafkaBridgeException an InvalidArgumentException (KB_ERR_INVALID_ARGUMENT)
     */
    public static function name(string $name, string $what): string
    {
        if (strpos($name, "\0") !== false) {
            throw KafkaBridgeException::create(
                ErrorCode::KB_INVALID_ARGUMENT,
                $what . ' contains a NUL byte; names are NUL-terminated C strings'
            );
        }

        return $name;
    }

    /**
     * A value for an int32_t parameter (partition, timeout). PHP ints are 64-bit and FFI would
     * keep only the low 32 bits: partition 4294967295 would become -1 (the partitioner's
     * choice) and a timeout of -2147483649 ms a 24.8-day wait. Refused instead.
     *
     * @throws KafkaBridgeException an InvalidArgumentException (KB_ERR_INVALID_ARGUMENT)
     */
    public static function int32(int $value, string $what): int
    {
        if ($value < -2147483648 || $value > 2147483647) {
            throw KafkaBridgeException::create(
                ErrorCode::KB_INVALID_ARGUMENT,
                $what . ' must fit in a 32-bit signed int (-2147483648..2147483647), got ' . $value
            );
        }

        return $value;
    }

    /**
     * A non-negative count or size for a size_t parameter.
     *
     * @throws KafkaBridgeException an InvalidArgumentException (KB_ERR_INVALID_ARGUMENT)
     */
    public static function count(int $value, string $what): int
    {
        if ($value < 0) {
            throw KafkaBridgeException::create(
                ErrorCode::KB_INVALID_ARGUMENT,
                $what . ' must not be negative, got ' . $value
            );
        }

        return $value;
    }

    /**
     * Normalises headers given as a Headers object, a map (name => ?string) or a list of
     * [name, ?value] pairs (for repeated names) into [name, ?value] pairs, in order.
     *
     * @param Headers|array<int|string, string|null|array{0: string, 1: string|null}> $headers
     *
     * @return array<int, array{0: string, 1: string|null}>
     */
    public static function headerPairs($headers): array
    {
        if ($headers instanceof Headers) {
            return $headers->all();
        }
        if (!is_array($headers)) {
            throw new \TypeError('headers must be an array or a ' . Headers::class . ', got ' . gettype($headers));
        }
        $pairs = [];
        foreach ($headers as $name => $value) {
            if (is_int($name) && is_array($value)) {
                if (count($value) !== 2 || !isset($value[0]) || !is_string($value[0])
                    || !array_key_exists(1, $value) || ($value[1] !== null && !is_string($value[1]))) {
                    throw new \TypeError('a header pair must be [string $name, ?string $value]');
                }
                $pairs[] = [$value[0], $value[1]];
                continue;
            }
            if ($value !== null && !is_string($value)) {
                throw new \TypeError('header "' . $name . '" must have a string or null value, got ' . gettype($value));
            }
            $pairs[] = [(string) $name, $value];
        }

        return $pairs;
    }

    /**
     * Phase one for headers: adds names and values to the arena.
     *
     * @param array<int, array{0: string, 1: string|null}> $pairs
     *
     * @return array<int, array{0: int, 1: int, 2: int}> [name offset, value offset or -1, value length]
     */
    public static function planHeaders(Arena $arena, array $pairs): array
    {
        $plan = [];
        foreach ($pairs as $pair) {
            $nameOffset = $arena->addName($pair[0], 'header name');
            $value = $pair[1];
            $plan[] = $value === null ? [$nameOffset, -1, 0] : [$nameOffset, $arena->add($value), strlen($value)];
        }

        return $plan;
    }

    /**
     * Phase two for headers (after seal()): a kb_header[] array, or null when there are none.
     *
     * @param array<int, array{0: int, 1: int, 2: int}> $plan from planHeaders()
     */
    public static function headerArray(\FFI $ffi, Arena $arena, array $plan): ?CData
    {
        $count = count($plan);
        if ($count === 0) {
            return null;
        }
        $array = $ffi->new('kb_header[' . $count . ']');
        foreach ($plan as $i => $entry) {
            $header = $array[$i];
            $header->name = $arena->cstring($entry[0]);
            if ($entry[1] < 0) {
                $header->value = null;
                $header->value_len = 0;
            } else {
                $header->value = $arena->bytes($entry[1]);
                $header->value_len = $entry[2];
            }
        }

        return $array;
    }

    /**
     * A kb_topic_partition[] for input calls. Returns [array or null when empty, count, arena];
     * keep the arena referenced until the call returns. Each partition is checked as an int32_t
     * (the struct field is one) before anything is allocated.
     *
     * @param TopicPartition[] $partitions
     *
     * @return array{0: CData|null, 1: int, 2: Arena}
     */
    public static function topicPartitions(\FFI $ffi, array $partitions): array
    {
        $arena = new Arena();
        $plan = [];
        foreach ($partitions as $tp) {
            if (!$tp instanceof TopicPartition) {
                throw new \TypeError('expected a list of ' . TopicPartition::class . ', got ' . (is_object($tp) ? get_class($tp) : gettype($tp)));
            }
            self::int32($tp->getPartition(), 'partition of entry ' . count($plan));
            $metadata = $tp->getMetadata();
            $plan[] = [$arena->addName($tp->getTopic(), 'topic name'), $metadata === null ? -1 : $arena->add($metadata)];
        }
        $count = count($plan);
        if ($count === 0) {
            return [null, 0, $arena];
        }
        $arena->seal($ffi);
        $array = $ffi->new('kb_topic_partition[' . $count . ']');
        $i = 0;
        foreach ($partitions as $tp) {
            $entry = $array[$i];
            $entry->topic = $arena->cstring($plan[$i][0]);
            $entry->partition = $tp->getPartition();
            $entry->offset = $tp->getOffset();
            if ($plan[$i][1] < 0) {
                $entry->metadata = null;
                $entry->metadata_len = 0;
            } else {
                $entry->metadata = $arena->bytes($plan[$i][1]);
                $entry->metadata_len = strlen((string) $tp->getMetadata());
            }
            $entry->err = 0;
            $i++;
        }

        return [$array, $count, $arena];
    }

    /**
     * A const char*[] of names. Returns [array, count, arena]; keep the arena referenced until
     * the call returns.
     *
     * @param string[] $names
     *
     * @return array{0: CData|null, 1: int, 2: Arena}
     */
    public static function nameArray(\FFI $ffi, array $names, string $what): array
    {
        $arena = new Arena();
        $offsets = [];
        foreach ($names as $name) {
            if (!is_string($name)) {
                throw new \TypeError($what . ' must be a string, got ' . gettype($name));
            }
            $offsets[] = $arena->addName($name, $what);
        }
        $count = count($offsets);
        if ($count === 0) {
            return [null, 0, $arena];
        }
        $arena->seal($ffi);
        $array = $ffi->new('const char*[' . $count . ']');
        foreach ($offsets as $i => $offset) {
            $array[$i] = $arena->cstring($offset);
        }

        return [$array, $count, $arena];
    }

    /**
     * Calls kb_producer_oauthbearer_set_token or kb_consumer_oauthbearer_set_token ($function)
     * with $extensions (name => value) as the C array of names and values in turn.
     *
     * @param array<string, string> $extensions
     *
     * @throws KafkaBridgeException
     */
    public static function setOAuthBearerToken(\FFI $ffi, string $function, CData $handle, string $token, int $lifetimeMs, string $principal, array $extensions): void
    {
        $strings = [];
        foreach ($extensions as $key => $value) {
            $strings[] = (string) $key;
            $strings[] = $value;
        }
        list($array, $count, $arena) = self::nameArray($ffi, $strings, 'OAUTHBEARER extension');
        Library::check($ffi->$function($handle, self::name($token, 'token'), $lifetimeMs, self::name($principal, 'principal'), $array, $count), $function);
        unset($arena);
    }

    /**
     * Copies $count kb_topic_partition structs (a view) into TopicPartition objects.
     *
     * @return TopicPartition[]
     */
    public static function readTopicPartitions(?CData $pointer, int $count): array
    {
        $out = [];
        if ($pointer === null || $count === 0) {
            return $out;
        }
        for ($i = 0; $i < $count; $i++) {
            $tp = $pointer[$i];
            $metadata = $tp->metadata;
            $out[] = new TopicPartition(
                (string) $tp->topic,
                $tp->partition,
                $tp->offset,
                $metadata === null ? null : \FFI::string($metadata, $tp->metadata_len),
                $tp->err
            );
        }

        return $out;
    }

    /**
     * Reads a kb_partition_list into TopicPartition objects and frees it.
     *
     * @return TopicPartition[]
     */
    public static function takePartitionList(\FFI $ffi, CData $list): array
    {
        try {
            $count = (int) $ffi->kb_partition_list_count($list);
            if ($count === 0) {
                return [];
            }
            $entries = $ffi->new('const kb_topic_partition*');
            Library::check($ffi->kb_partition_list_entries($list, \FFI::addr($entries)), 'kb_partition_list_entries');

            return self::readTopicPartitions($entries, $count);
        } finally {
            $ffi->kb_partition_list_free($list);
        }
    }

    /**
     * Copies a kb_message_view into a Message: binary-safe (lengths, not NULs), NULL pointers
     * become null.
     */
    public static function message(CData $view): Message
    {
        $key = $view->key;
        $value = $view->value;
        $pairs = [];
        $count = $view->header_count;
        if ($count > 0) {
            $headers = $view->headers;
            for ($i = 0; $i < $count; $i++) {
                $header = $headers[$i];
                $headerValue = $header->value;
                $pairs[] = [
                    (string) $header->name,
                    $headerValue === null ? null : \FFI::string($headerValue, $header->value_len),
                ];
            }
        }
        $err = $view->err;

        return new Message(
            (string) $view->topic,
            $view->partition,
            $view->offset,
            $key === null ? null : \FFI::string($key, $view->key_len),
            $value === null ? null : \FFI::string($value, $view->value_len),
            new Headers($pairs),
            $view->timestamp_ms,
            $view->timestamp_type,
            $err,
            $err === 0 ? null : $view->error_text
        );
    }

    /**
     * Copies a kb_event_view into the Event subclass for its kind.
     */
    public static function event(CData $view): Event
    {
        $kind = $view->kind;
        $err = $view->err;
        $text = $view->text;
        switch ($kind) {
            case Event::DELIVERY:
                return new DeliveryReport(
                    $view->message_id,
                    (string) $view->topic,
                    $view->partition,
                    $view->offset,
                    $view->timestamp_ms,
                    $err,
                    $text
                );
            case Event::ERROR:
                return new ErrorEvent($err, $text, $view->fatal !== 0);
            case Event::LOG:
                return new LogEvent($view->log_level, (string) $view->facility, (string) $text);
            case Event::STATS:
                return new StatsEvent((string) $text);
            case Event::REBALANCE:
                return new RebalanceEvent($err, self::readTopicPartitions($view->partitions, $view->partition_count), $text);
            case Event::COMMIT:
                return new CommitEvent($err, self::readTopicPartitions($view->partitions, $view->partition_count), $text);
            case Event::OAUTHBEARER_TOKEN_REFRESH:
                return new OAuthBearerRefreshEvent((string) $text);
            default:
                return new Event($kind, $err, $text);
        }
    }

    /**
     * Reads one kb_event and frees it.
     */
    public static function takeEvent(\FFI $ffi, CData $event): Event
    {
        try {
            $view = $ffi->new('kb_event_view');
            Library::check($ffi->kb_event_get_view($event, \FFI::addr($view)), 'kb_event_get_view');

            return self::event($view);
        } finally {
            $ffi->kb_event_free($event);
        }
    }

    /**
     * Reads one kb_message and frees it.
     */
    public static function takeMessage(\FFI $ffi, CData $message): Message
    {
        try {
            $view = $ffi->new('kb_message_view');
            Library::check($ffi->kb_message_get_view($message, \FFI::addr($view)), 'kb_message_get_view');

            return self::message($view);
        } finally {
            $ffi->kb_message_free($message);
        }
    }
}
