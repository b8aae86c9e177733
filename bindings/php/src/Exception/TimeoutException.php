<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * The call did not finish within its timeout (RD_KAFKA_RESP_ERR__TIMED_OUT, -185). Retriable.
 */
class TimeoutException extends KafkaBridgeException
{
}
