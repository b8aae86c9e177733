<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use RdKafka\Exception;
use RdKafka\KafkaErrorException;

/**
 * Turns kafkabridge's exceptions into php-rdkafka's: RdKafka\Exception with the librdkafka code
 * and its rd_kafka_err2str() text (the kafkabridge exception, with the library's detailed
 * message, as getPrevious()).
 *
 * @internal
 */
final class Errors
{
    private function __construct()
    {
    }

    /**
     * The php-rdkafka exception for $e: a KafkaBridgeException becomes an RdKafka\Exception;
     * anything else (TypeError, a library loading failure, an exception thrown by a user
     * callback) is returned unchanged.
     */
    public static function convert(\Throwable $e): \Throwable
    {
        if (!$e instanceof KafkaBridgeException) {
            return $e;
        }
        $code = self::code($e->getCode());
        if ($code <= -1001 && $code >= -1099) {
            // kafkabridge's own failures have no librdkafka text: keep the library's message.
            return new Exception($e->getMessage(), $code, $e);
        }

        return new Exception(Functions::err2str($code), $code, $e);
    }

    /**
     * The librdkafka code php-rdkafka users test for: kafkabridge's "event queue full"
     * (undrained delivery reports) is librdkafka's RD_KAFKA_RESP_ERR__QUEUE_FULL (-184) to them,
     * handled the same way (poll, then retry).
     */
    public static function code(int $code): int
    {
        return $code === ErrorCode::KB_EVENT_QUEUE_FULL ? ErrorCode::QUEUE_FULL : $code;
    }

    /**
     * An RdKafka\Exception for $code with its rd_kafka_err2str() text, or $message.
     */
    public static function exception(int $code, ?string $message = null): Exception
    {
        return new Exception($message !== null ? $message : Functions::err2str($code), $code);
    }

    /**
     * The KafkaErrorException a transactional call throws for $e, with librdkafka's own
     * fatal / retriable / requires-abort flags of the failed call.
     */
    public static function kafkaError(\Throwable $e): \Throwable
    {
        if (!$e instanceof KafkaBridgeException) {
            return $e;
        }
        $code = self::code($e->getCode());

        // The library words a transactional failure "<call>: Transaction error: <librdkafka's
        // text>"; the extension's message is librdkafka's text alone.
        $text = preg_replace('/^[^:]*: Transaction error: /', '', $e->getLibraryMessage());
        $text = $text !== '' ? $text : Functions::err2str($code);

        return new KafkaErrorException(
            $text . ' (RD_KAFKA_RESP_ERR_' . Functions::err2name($code) . ')',
            $code,
            $text,
            $e->isFatal(),
            $e->isRetriable(),
            $e->transactionRequiresAbort(),
            $e
        );
    }
}
