<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * The call is not valid in the object's current state: KB_ERR_INVALID_STATE (-1007, for example a
 * closed client or a commit without group.id) or RD_KAFKA_RESP_ERR__STATE (-172, for example
 * seeking an unassigned partition).
 */
class InvalidStateException extends KafkaBridgeException
{
}
