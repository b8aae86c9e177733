<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Config;
use RdKafka\Exception;

/**
 * Persistence with no code change: with `KAFKABRIDGE_PERSISTENT=1` in the environment (an FPM
 * pool's `env[KAFKABRIDGE_PERSISTENT] = 1`) or `kafkabridge.persistent = 1` in php.ini, every
 * RdKafka\Producer, and every RdKafka\KafkaConsumer where that is safe, is a session of a
 * persistent kafkabridge client named after its full configuration: the same configuration
 * reuses the same client in every later request of the worker, a different one gets a client
 * of its own (so the switch never causes a configuration conflict). A Conf that sets
 * `bridge.persistent.name` keeps its own name.
 *
 * Not made persistent: a transactional producer (a transaction must not outlive the request
 * that began it), a client with an OAUTHBEARER token refresh callback (the token comes from the
 * request), a KafkaConsumer with a rebalance callback (the member's rebalances happen between
 * requests, where no callback can run), and a KafkaConsumer whose member another handle of the
 * same request still holds (one session at a time: that one gets a private consumer).
 *
 * @internal
 */
final class AutoPersistence
{
    public const ENV = 'KAFKABRIDGE_PERSISTENT';
    public const INI = 'kafkabridge.persistent';

    private function __construct()
    {
    }

    /**
     * Whether the switch is on: the environment variable if set, else the php.ini entry.
     *
     * @throws Exception for a value that is not 1/on/true/yes or 0/off/false/no
     */
    public static function enabled(): bool
    {
        $value = getenv(self::ENV);
        $from = 'environment variable ' . self::ENV;
        if ($value === false || $value === '') {
            $value = get_cfg_var(self::INI);
            $from = 'php.ini setting ' . self::INI;
        }
        if ($value === false || $value === '') {
            return false;
        }
        $switch = strtolower(trim((string) $value));
        if (in_array($switch, ['1', 'on', 'true', 'yes'], true)) {
            return true;
        }
        if (in_array($switch, ['0', 'off', 'false', 'no'], true)) {
            return false;
        }
        throw new Exception("$from is \"$value\": set it to 1 (RdKafka clients persist across requests) or 0");
    }

    /**
     * $settings with the persistent name the switch gives them (unchanged when the switch is off
     * or they name a client themselves).
     *
     * @param array<string, string> $settings
     *
     * @return array<string, string>
     */
    public static function apply(array $settings): array
    {
        if (($settings[Config::PERSISTENT_NAME] ?? '') !== '' || !self::enabled()) {
            return $settings;
        }
        $key = $settings;
        ksort($key);
        $settings[Config::PERSISTENT_NAME] = 'auto-' . substr(hash('sha256', serialize($key)), 0, 24);

        return $settings;
    }
}
