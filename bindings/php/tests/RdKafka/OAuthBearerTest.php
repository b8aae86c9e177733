<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use RdKafka\Exception;
use RdKafka\Message;
use RdKafka\Producer;

/**
 * The drop-in's OAUTHBEARER token refresh callback, as the extension runs it: in the first
 * poll() after construction, answered with oauthbearerSetToken() (the token delivers) or
 * oauthbearerSetTokenFailure() (the error callback gets it in the next poll).
 */
final class OAuthBearerTest extends RdKafkaTestCase
{
    /** @param callable $refresh the token refresh callback */
    private function producer(callable $refresh, array &$errors): Producer
    {
        $conf = $this->conf([
            'bootstrap.servers' => self::saslBrokers(),
            'security.protocol' => 'SASL_PLAINTEXT',
            'sasl.mechanisms' => 'OAUTHBEARER',
            'sasl.oauthbearer.config' => 'principal=admin',
            'bridge.close.timeout.ms' => '1000',
        ], false);
        $conf->setOauthbearerTokenRefreshCb($refresh);
        $conf->setErrorCb(function ($kafka, int $err, string $reason) use (&$errors): void {
            $errors[] = [$err, $reason];
        });
        $conf->setDrMsgCb(function ($kafka, Message $message) use (&$errors): void {
            $errors[] = ['delivery', $message->err];
        });

        return new Producer($conf);
    }

    public function testTheFirstPollRunsTheRefreshCallbackAndItsTokenDelivers(): void
    {
        $topic = self::uniqueName('rdk-oauth');
        self::createTopic($topic);
        $calls = [];
        $errors = [];
        $producer = $this->producer(function ($kafka, string $config) use (&$calls): void {
            $calls[] = $config;
            list($token, $expiry) = self::unsignedToken('required-scope', 60);
            $kafka->oauthbearerSetToken($token, $expiry, 'admin', ['traceId' => 'kb-dropin']);
        }, $errors);
        $producer->poll(0);
        self::assertSame(['principal=admin'], $calls);
        $producer->newTopic($topic)->produce(0, 0, 'bearer');
        self::assertSame(0, $producer->flush(15000));
        self::assertSame([['delivery', 0]], $errors);
    }

    public function testAFailureReachesTheErrorCallbackInTheNextPoll(): void
    {
        $errors = [];
        $producer = $this->producer(function ($kafka) use (&$errors): void {
            $kafka->oauthbearerSetTokenFailure('no token in this test');
            $kafka->poll(0);
            $errors[] = 'polled';
        }, $errors);
        $producer->poll(0);
        self::assertSame([[RD_KAFKA_RESP_ERR__AUTHENTICATION, 'Failed to acquire SASL OAUTHBEARER token: no token in this test'], 'polled'], array_slice($errors, 0, 2));
        list($token, $expiry) = self::unsignedToken('required-scope', -60);
        try {
            $producer->oauthbearerSetToken($token, $expiry, 'admin');
            self::fail('an expired token was accepted');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__INVALID_ARG, $e->getCode());
            self::assertStringContainsString('expired', $e->getMessage());
        }

        $plain = new Producer($this->conf(['bridge.close.timeout.ms' => '1000']));
        try {
            $plain->oauthbearerSetTokenFailure('not configured');
            self::fail('a producer without OAUTHBEARER took a token failure');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__STATE, $e->getCode());
            self::assertSame('', $e->getMessage());
        }
    }
}
