<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * A persistent producer of that name already exists in this process with a different configuration
 * (KB_ERR_CONFIG_CONFLICT, -1004); the message names the differing keys.
 */
class ConfigConflictException extends ConfigException
{
}
