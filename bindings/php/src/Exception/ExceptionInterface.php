<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * Implemented by every exception this package throws, so one catch covers them all.
 */
interface ExceptionInterface extends \Throwable
{
}
