<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * The native handle is stale, freed or was inherited across fork() (KB_ERR_INVALID_HANDLE, -1002):
 * create the client again.
 */
class InvalidHandleException extends KafkaBridgeException
{
}
