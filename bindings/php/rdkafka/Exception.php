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
}
