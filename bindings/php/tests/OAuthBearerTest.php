<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\OAuthBearerRefreshEvent;
use KafkaBridge\Partition;
use KafkaBridge\Producer;

/**
 * SASL/OAUTHBEARER with tokens made in PHP, against the broker's SASL_PLAINTEXT listener (it
 * accepts unsigned tokens whose scope includes "required-scope"): the client asks with an
 * OAuthBearerRefreshEvent, a token delivers, a reported failure is an authentication error.
 */
final class OAuthBearerTest extends KafkaTestCase
{
    /** @return array<string, string> */
    private static function oauthConfig(): array
    {
        return [
            'bootstrap.servers' => self::saslBrokers(),
            'security.protocol' => 'SASL_PLAINTEXT',
            'sasl.mechanism' => 'OAUTHBEARER',
            'sasl.oauthbearer.config' => 'principal=admin',
            'bridge.close.timeout.ms' => '1000',
        ];
    }

    /**
     * The first event of $class within 15 s (a consumer's are served while it polls messages).
     *
     * @param Producer|Consumer $client
     */
    private static function await($client, string $class): ?object
    {
        $deadline = self::nowMs() + 15000;
        while (self::nowMs() < $deadline) {
            if ($client instanceof Consumer) {
                $client->poll(50);
            }
            $event = $client instanceof Producer ? $client->poll(50) : $client->pollEvent(0);
            if ($event instanceof $class) {
                return $event;
            }
        }

        return null;
    }

    public function testATokenFromPhpDelivers(): void
    {
        $topic = self::uniqueName('oauth');
        self::createTopic($topic);
        $producer = new Producer(self::oauthConfig());
        $refresh = self::await($producer, OAuthBearerRefreshEvent::class);
        self::assertInstanceOf(OAuthBearerRefreshEvent::class, $refresh, 'the client asks for a token when created');
        self::assertSame('principal=admin', $refresh->getConfig());
        list($token, $expiry) = self::unsignedToken('required-scope', 60);
        $producer->setOAuthBearerToken($token, $expiry, 'admin', ['traceId' => 'kb-php']);
        $report = $producer->produceSync($topic, 'bearer', null, [], 0, 0, 15000);
        self::assertSame(0, $report->getOffset());
        $producer->close();
    }

    public function testAFailureIsAnAuthenticationErrorAndBadTokensAreRefused(): void
    {
        $consumer = new Consumer(self::oauthConfig());
        self::assertInstanceOf(OAuthBearerRefreshEvent::class, $consumer->pollEvent(0));
        $consumer->setOAuthBearerTokenFailure('no token in this test');
        $error = self::await($consumer, ErrorEvent::class);
        self::assertInstanceOf(ErrorEvent::class, $error);
        self::assertSame(ErrorCode::AUTHENTICATION, $error->getErr());
        self::assertStringContainsString('Failed to acquire SASL OAUTHBEARER token: no token in this test', (string) $error->getMessage());
        list($token, $expiry) = self::unsignedToken('required-scope', -60);
        try {
            $consumer->setOAuthBearerToken($token, $expiry, 'admin');
            self::fail('an expired token was accepted');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::INVALID_ARG, $e->getCode());
        }
        $consumer->close();

        $plain = new Producer(self::config(['bridge.close.timeout.ms' => '1000']));
        try {
            $plain->setOAuthBearerTokenFailure('not configured');
            self::fail('a client without OAUTHBEARER took a token failure');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::STATE, $e->getCode());
        }
        $plain->close();
    }
}
