<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * The native library could not be loaded: the FFI extension is missing or disabled, or
 * libkafkabridge.so or its header was not found. The message says what to change.
 */
class LibraryException extends \RuntimeException implements ExceptionInterface
{
}
