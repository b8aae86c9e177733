<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * An argument is out of range or malformed: KB_ERR_INVALID_ARGUMENT (-1006, for example a negative
 * timeout), RD_KAFKA_RESP_ERR__INVALID_ARG (-186), KB_ERR_BAD_UTF8 (-1003) or KB_ERR_NULL_ARGUMENT
 * (-1001).
 */
class InvalidArgumentException extends KafkaBridgeException
{
}
