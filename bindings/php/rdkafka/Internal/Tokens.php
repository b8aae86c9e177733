<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Producer;
use RdKafka\Exception;

/**
 * php-rdkafka's oauthbearerSetToken() and oauthbearerSetTokenFailure() on the kafkabridge
 * clients of one RdKafka object (each topic configuration has a client of its own; each gets
 * the token). Like the extension, they throw for librdkafka's __INVALID_ARG,
 * __NOT_IMPLEMENTED and __STATE and ignore other codes.
 *
 * @internal
 */
final class Tokens
{
    private const THROWN = [ErrorCode::INVALID_ARG, ErrorCode::STATE, -170 /* __NOT_IMPLEMENTED */];

    private function __construct()
    {
    }

    /**
     * @param array<Producer|Consumer> $clients
     * @param array<int|string, mixed>  $extensions name => value
     *
     * @throws Exception with librdkafka's text, for example for an expired token
     */
    public static function set(array $clients, string $token, int $lifetimeMs, string $principal, array $extensions): void
    {
        $strings = [];
        foreach ($extensions as $name => $value) {
            $strings[(string) $name] = (string) $value;
        }
        foreach ($clients as $client) {
            try {
                $client->setOAuthBearerToken($token, $lifetimeMs, $principal, $strings);
            } catch (KafkaBridgeException $e) {
                if (in_array($e->getCode(), self::THROWN, true)) {
                    throw new Exception($e->getLibraryMessage(), $e->getCode(), $e);
                }
            }
        }
    }

    /**
     * @param array<Producer|Consumer> $clients
     *
     * @throws Exception (without a message, as the extension's) for __INVALID_ARG and __STATE
     */
    public static function fail(array $clients, string $error): void
    {
        foreach ($clients as $client) {
            try {
                $client->setOAuthBearerTokenFailure($error);
            } catch (KafkaBridgeException $e) {
                if (in_array($e->getCode(), self::THROWN, true)) {
                    throw new Exception('', $e->getCode(), $e);
                }
            }
        }
    }
}
