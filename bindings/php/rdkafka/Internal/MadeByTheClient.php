<?php

declare(strict_types=1);

namespace RdKafka\Internal;

/**
 * For the classes php-rdkafka only hands out (metadata): `new` is refused (private constructor;
 * the drop-in uses the static make()), subclasses may still be instantiated for mocking, and an
 * object that skipped the constructor (a mock, or ReflectionClass::newInstanceWithoutConstructor())
 * throws "<class>::__construct() has not been called" from its methods. var_dump() shows no
 * properties, as for the extension's internal objects.
 */
trait MadeByTheClient
{
    /**
     * @return array<string, mixed>
     */
    public function __debugInfo()
    {
        return [];
    }

    /**
     * @param mixed $field a property the constructor always sets
     *
     * @throws \Exception when the constructor did not run
     */
    private static function constructed($field): void
    {
        if ($field === null) {
            throw new \Exception(self::class . '::__construct() has not been called');
        }
    }
}
