<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Internal\Native;

/**
 * A configuration: librdkafka's global and topic-level properties (bootstrap.servers, linger.ms,
 * acks, ...) plus kafkabridge's own `bridge.*` keys. Every property is validated when set: an
 * unknown key or a bad value throws a ConfigException with librdkafka's message.
 *
 *     $config = new Config(['bootstrap.servers' => 'kafka:9092', 'linger.ms' => 5]);
 *
 * Clients copy the configuration when created, so a Config can be changed or dropped afterwards.
 * `clone` makes an independent copy.
 */
final class Config
{
    /** Producers opened with this name share one process-wide client (see Producer::persistent()). */
    public const PERSISTENT_NAME = 'bridge.persistent.name';

    /** @var \FFI */
    private $ffi;

    /** @var CData|null kb_config* */
    private $handle;

    /**
     * @param array<string, string|int|float|bool> $settings properties to set, in order
     *
     * @throws ConfigException for an unknown key or a bad value
     */
    public function __construct(array $settings = [])
    {
        $this->ffi = Library::ffi();
        $out = $this->ffi->new('kb_config*');
        Library::check($this->ffi->kb_config_new(\FFI::addr($out)), 'kb_config_new');
        $this->handle = $out;
        try {
            foreach ($settings as $key => $value) {
                $this->set((string) $key, $value);
            }
        } catch (\Throwable $e) {
            // A constructor that throws gets no destructor call.
            $this->free();
            throw $e;
        }
    }

    /**
     * A Config from another Config (returned as is) or an array of settings.
     *
     * @param Config|array<string, string|int|float|bool> $config
     *
     * @internal used by the client constructors
     */
    public static function from($config): self
    {
        if ($config instanceof self) {
            return $config;
        }
        if (is_array($config)) {
            return new self($config);
        }
        throw new \TypeError('expected a ' . self::class . ' or an array of settings, got ' . gettype($config));
    }

    /**
     * Sets a property. Booleans become "true"/"false", numbers their decimal form.
     *
     * @param string                $key
     * @param string|int|float|bool $value
     *
     * @throws ConfigException for an unknown key (KB_ERR_UNKNOWN_CONFIG) or a bad value
     *                         (RD_KAFKA_RESP_ERR__INVALID_ARG), with librdkafka's message
     */
    public function set(string $key, $value): self
    {
        if (is_bool($value)) {
            $value = $value ? 'true' : 'false';
        } elseif (is_int($value) || is_float($value)) {
            $value = (string) $value;
        } elseif (!is_string($value)) {
            throw new \TypeError('config value of "' . $key . '" must be a string, int, float or bool, got ' . gettype($value));
        }
        $err = $this->ffi->kb_config_set(
            $this->handle('set'),
            Native::name($key, 'config key'),
            Native::name($value, 'config value of "' . $key . '"')
        );
        if ($err === ErrorCode::INVALID_ARG || $err === ErrorCode::KB_UNKNOWN_CONFIG) {
            Library::check($err, 'kb_config_set', ConfigException::class);
        }
        Library::check($err, 'kb_config_set');

        return $this;
    }

    /**
     * The value of a property: as set, else librdkafka's default. Secrets are returned as set.
     *
     * @throws ConfigException for an unknown key (RD_KAFKA_RESP_ERR__NOENT)
     */
    public function get(string $key): string
    {
        $handle = $this->handle('get');
        $key = Native::name($key, 'config key');
        $cap = 256;
        $len = $this->ffi->new('size_t');
        for ($attempt = 0; $attempt < 2; $attempt++) {
            $buf = $this->ffi->new('char[' . $cap . ']');
            $err = $this->ffi->kb_config_get($handle, $key, $buf, $cap, \FFI::addr($len));
            Library::check($err, 'kb_config_get', $err === ErrorCode::NOENT ? ConfigException::class : null);
            $full = (int) $len->cdata;
            if ($full < $cap) {
                return \FFI::string($buf, $full);
            }
            $cap = $full + 1;
        }
        throw KafkaBridgeException::create(ErrorCode::KB_INVALID_STATE, 'the value of "' . $key . '" kept growing', 'kb_config_get');
    }

    /**
     * The properties that were set, sorted by key, with secret values shown as "[redacted]"
     * (kb_config_dump()). Safe to log.
     *
     * @return array<string, string>
     */
    public function dump(): array
    {
        $handle = $this->handle('dump');
        $cap = 4096;
        for ($attempt = 0; $attempt < 3; $attempt++) {
            $buf = $this->ffi->new('char[' . $cap . ']');
            $full = (int) $this->ffi->kb_config_dump($handle, $buf, $cap);
            if ($full < $cap) {
                return self::parseDump($full === 0 ? '' : \FFI::string($buf, $full));
            }
            $cap = $full + 1;
        }
        throw KafkaBridgeException::create(ErrorCode::KB_INVALID_STATE, 'the dump kept growing', 'kb_config_dump');
    }

    /**
     * @return array<string, string>
     */
    private static function parseDump(string $text): array
    {
        $out = [];
        foreach (explode("\n", $text) as $line) {
            if ($line === '') {
                continue;
            }
            $eq = strpos($line, '=');
            if ($eq === false) {
                continue;
            }
            // Values have backslashes escaped as \\ and newlines as \n.
            $out[substr($line, 0, $eq)] = strtr(substr($line, $eq + 1), ['\\\\' => '\\', '\\n' => "\n"]);
        }

        return $out;
    }

    /**
     * The native kb_config*.
     *
     * @internal for the client classes
     */
    public function handle(string $operation = 'use'): CData
    {
        if ($this->handle === null) {
            throw KafkaBridgeException::create(ErrorCode::KB_INVALID_STATE, 'the config is freed', 'Config::' . $operation);
        }

        return $this->handle;
    }

    /** An independent copy (kb_config_copy()). */
    public function __clone()
    {
        $out = $this->ffi->new('kb_config*');
        Library::check($this->ffi->kb_config_copy($this->handle('copy'), \FFI::addr($out)), 'kb_config_copy');
        $this->handle = $out;
    }

    public function __destruct()
    {
        $this->free();
    }

    private function free(): void
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            $this->ffi->kb_config_free($handle);
        }
    }
}
