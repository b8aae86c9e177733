<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * A configuration property is unknown (KB_ERR_UNKNOWN_CONFIG, -1009) or its value was refused
 * (RD_KAFKA_RESP_ERR__INVALID_ARG, -186, from Config::set()); the message is librdkafka's and
 * names the key.
 */
class ConfigException extends KafkaBridgeException
{
}
