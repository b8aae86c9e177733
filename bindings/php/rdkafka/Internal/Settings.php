<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Config;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use RdKafka\Exception;

/**
 * The properties of a Conf or TopicConf: validated by librdkafka (through a kafkabridge Config)
 * when set, kept in order as strings to build clients from later.
 *
 * @internal
 */
final class Settings
{
    /** @var array<string, string> */
    private $values = [];

    /** @var Config|null created on first set() */
    private $validator;

    /**
     * Sets and validates a property.
     *
     * @param mixed $value a string; ints, floats and bools are converted ("true"/"false")
     *
     * @throws Exception with code RD_KAFKA_CONF_UNKNOWN (-2) for an unknown property or
     *                   RD_KAFKA_CONF_INVALID (-1) for a bad value, and librdkafka's message
     */
    public function set(string $name, $value): void
    {
        if (is_bool($value)) {
            $value = $value ? 'true' : 'false';
        } elseif ($value === null) {
            $value = '';
        } elseif (is_int($value) || is_float($value) || (is_object($value) && method_exists($value, '__toString'))) {
            $value = (string) $value;
        } elseif (!is_string($value)) {
            throw new \TypeError('configuration value of "' . $name . '" must be of type string, ' . gettype($value) . ' given');
        }
        if ($this->validator === null) {
            $this->validator = new Config();
        }
        try {
            $this->validator->set($name, $value);
        } catch (KafkaBridgeException $e) {
            $message = $e->getLibraryMessage() !== '' ? $e->getLibraryMessage() : $e->getMessage();
            if ($e->getCode() === ErrorCode::KB_UNKNOWN_CONFIG || $e->getCode() === ErrorCode::NOENT) {
                throw new Exception($message, \RD_KAFKA_CONF_UNKNOWN, $e);
            }
            throw new Exception($message, \RD_KAFKA_CONF_INVALID, $e);
        }
        unset($this->values[$name]);
        $this->values[$name] = $value;
    }

    /**
     * The properties that were set, in the order they were set.
     *
     * @return array<string, string>
     */
    public function all(): array
    {
        return $this->values;
    }

    /**
     * The value set for $name, null if it was not set.
     */
    public function get(string $name): ?string
    {
        return isset($this->values[$name]) ? $this->values[$name] : null;
    }

    /**
     * The properties that were set, sorted by name, secrets shown as "[redacted]".
     *
     * @return array<string, string>
     */
    public function dump(): array
    {
        if ($this->validator === null) {
            return [];
        }

        return $this->validator->dump();
    }

    /** A deep copy (its own validator). */
    public function __clone()
    {
        if ($this->validator !== null) {
            $this->validator = clone $this->validator;
        }
    }
}
