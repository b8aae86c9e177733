<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Internal\Native;

/**
 * An admin client: create and delete topics, list consumer groups, and the cluster queries every
 * client has (metadata, watermarks, offsetsForTimes).
 */
final class Admin extends Client
{
    /**
     * @param Config|array<string, string|int|float|bool> $config a Config or settings to build one
     *
     * @throws ConfigException for settings librdkafka refuses
     * @throws KafkaBridgeException
     */
    public function __construct($config = [])
    {
        $this->ffi = Library::ffi();
        $conf = Config::from($config);
        $out = $this->ffi->new('kb_admin*');
        $err = $this->ffi->kb_admin_new($conf->handle('new Admin'), \FFI::addr($out));
        Library::check($err, 'kb_admin_new', $err === ErrorCode::INVALID_ARG ? ConfigException::class : null);
        $this->handle = $out;
    }

    /**
     * Creates a topic, waiting up to $timeoutMs for the controller's answer.
     *
     * @param int                   $partitions        -1: the broker's default
     * @param int                   $replicationFactor -1: the broker's default
     * @param array<string, string> $configs           topic configs, for example ['cleanup.policy' => 'compact']
     *
     * @throws KafkaBridgeException ErrorCode::TOPIC_ALREADY_EXISTS (36), INVALID_REPLICATION_FACTOR
     *                              (38), INVALID_CONFIG (40), a TimeoutException, ...
     */
    public function createTopic(string $name, int $partitions = -1, int $replicationFactor = -1, array $configs = [], int $timeoutMs = 30000): void
    {
        $names = [];
        $values = [];
        foreach ($configs as $key => $value) {
            if (is_bool($value)) {
                $value = $value ? 'true' : 'false';
            }
            if (!is_string($value) && !is_int($value) && !is_float($value)) {
                throw new \TypeError('topic config "' . $key . '" must be a string, int, float or bool');
            }
            $names[] = (string) $key;
            $values[] = (string) $value;
        }
        list($nameArray, $count, $nameArena) = Native::nameArray($this->ffi, $names, 'topic config name');
        list($valueArray, , $valueArena) = Native::nameArray($this->ffi, $values, 'topic config value');
        Library::check(
            $this->ffi->kb_admin_create_topic(
                $this->handle('createTopic'),
                Native::name($name, 'topic name'),
                Native::int32($partitions, 'partitions'),
                Native::int32($replicationFactor, 'replication_factor'),
                $nameArray,
                $valueArray,
                $count,
                Native::int32($timeoutMs, 'timeout_ms')
            ),
            'kb_admin_create_topic'
        );
        unset($nameArena, $valueArena);
    }

    /**
     * Deletes a topic, waiting up to $timeoutMs.
     *
     * @throws KafkaBridgeException ErrorCode::UNKNOWN_TOPIC_OR_PART (3), a TimeoutException, ...
     */
    public function deleteTopic(string $name, int $timeoutMs = 30000): void
    {
        Library::check(
            $this->ffi->kb_admin_delete_topic($this->handle('deleteTopic'), Native::name($name, 'topic name'), Native::int32($timeoutMs, 'timeout_ms')),
            'kb_admin_delete_topic'
        );
    }

    protected function freeHandle(CData $handle): int
    {
        return $this->ffi->kb_admin_free($handle);
    }
}
