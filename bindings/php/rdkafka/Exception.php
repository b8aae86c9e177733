<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * What the drop-in throws for a failed Kafka operation, as php-rdkafka does: getCode() is the
 * librdkafka error code (an RD_KAFKA_RESP_ERR_* constant, for example -185 for
 * RD_KAFKA_RESP_ERR__TIMED_OUT) and getMessage() its rd_kafka_err2str() text. Conf::set() throws
 * it with RD_KAFKA_CONF_UNKNOWN or RD_KAFKA_CONF_INVALID as the code.
 *
 * When the failure came from kafkabridge, getPrevious() is the KafkaBridge exception with the
 * library's detailed message.
 */
class Exception extends \Exception
{
    /**
     * As \Exception's; getFile() and getLine() are the application's line that called into the
     * drop-in (where the extension's exceptions point), not the drop-in's own.
     *
     * @param string          $message
     * @param int             $code
     * @param \Throwable|null $previous
     */
    public function __construct($message = '', $code = 0, $previous = null)
    {
        parent::__construct($message, $code, $previous);
        Internal\Caller::blame($this);
    }
}
