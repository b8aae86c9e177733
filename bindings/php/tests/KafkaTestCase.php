<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Admin;
use KafkaBridge\Consumer;
use KafkaBridge\DeliveryReport;
use KafkaBridge\Message;
use KafkaBridge\MockCluster;
use KafkaBridge\Producer;
use PHPUnit\Framework\TestCase;

/**
 * Helpers for the suites: the real broker from KAFKA_BROKERS (or, for tests that need only some
 * cluster, the embedded mock cluster without it), unique names, topic creation that waits until
 * every partition is led, and bounded polling loops (deadlines, never sleeps).
 */
abstract class KafkaTestCase extends TestCase
{
    /** Generous bound for group joins and deliveries. */
    protected const WAIT_MS = 30000;

    /** @var int */
    private static $counter = 0;

    /** @var MockCluster|null what cluster() gives without KAFKA_BROKERS; lives as long as PHP */
    private static $mock;

    /**
     * The real broker's address. A test that needs it fails (not skips) without it.
     */
    protected static function brokers(): string
    {
        $brokers = getenv('KAFKA_BROKERS');
        if (!is_string($brokers) || $brokers === '') {
            self::fail('KAFKA_BROKERS is not set: start the broker with harness/kafka/start.sh and export KAFKA_BROKERS=127.0.0.1:39092');
        }

        return $brokers;
    }

    /**
     * The real broker's SASL_PLAINTEXT listener (it also takes OAUTHBEARER tokens made by
     * unsignedToken()): KAFKA_SASL_BROKERS, else the harness's PLAINTEXT port + 2.
     */
    protected static function saslBrokers(): string
    {
        $set = getenv('KAFKA_SASL_BROKERS');
        if (is_string($set) && $set !== '') {
            return $set;
        }
        $plain = self::brokers();
        $colon = (int) strrpos($plain, ':');

        return substr($plain, 0, $colon) . ':' . ((int) substr($plain, $colon + 1) + 2);
    }

    /**
     * An unsigned OAUTHBEARER token (JWS) for principal "admin" with $scope, expiring $seconds
     * from now; returns [token, expiry in ms since the epoch]. The test broker takes those whose
     * scope includes "required-scope".
     *
     * @return array{0: string, 1: int}
     */
    protected static function unsignedToken(string $scope, int $seconds): array
    {
        $now = time();
        $claims = json_encode(['sub' => 'admin', 'iat' => $now - 10, 'exp' => $now + $seconds, 'scope' => $scope]);
        $encoded = rtrim(strtr(base64_encode((string) $claims), '+/', '-_'), '=');

        return ['eyJhbGciOiJub25lIn0.' . $encoded . '.', ($now + $seconds) * 1000];
    }

    /**
     * For tests that need a cluster but nothing only a real broker has (topic creation,
     * broker-side errors): the real broker when KAFKA_BROKERS is set, so the full suite keeps
     * running them there, else one embedded mock cluster for the whole run (the broker-less
     * selection, `--group brokerless`).
     */
    protected static function cluster(): string
    {
        $brokers = getenv('KAFKA_BROKERS');
        if (is_string($brokers) && $brokers !== '') {
            return $brokers;
        }
        if (self::$mock === null) {
            self::$mock = new MockCluster(1);
        }

        return self::$mock->bootstrapServers();
    }

    /**
     * Settings for cluster() plus $extra.
     *
     * @param array<string, string|int|bool> $extra
     *
     * @return array<string, string|int|bool>
     */
    protected static function clusterConfig(array $extra = []): array
    {
        return ['bootstrap.servers' => self::cluster()] + $extra;
    }

    /**
     * A name no other test or run uses (topics, groups, transactional ids, persistent names).
     */
    protected static function uniqueName(string $prefix): string
    {
        self::$counter++;

        return sprintf('kbphp-%s-%d-%d-%d', $prefix, getmypid(), hrtime(true), self::$counter);
    }

    /**
     * Settings for the real broker plus $extra.
     *
     * @param array<string, string|int|bool> $extra
     *
     * @return array<string, string|int|bool>
     */
    protected static function config(array $extra = []): array
    {
        return ['bootstrap.servers' => self::brokers()] + $extra;
    }

    /** Milliseconds on a monotonic clock. */
    protected static function nowMs(): int
    {
        return intdiv(hrtime(true), 1000000);
    }

    /**
     * Creates a topic on the real broker and waits (bounded) until its metadata shows every
     * partition with a leader.
     *
     * @param array<string, string> $configs
     */
    protected static function createTopic(string $topic, int $partitions = 1, array $configs = []): void
    {
        $admin = new Admin(self::config());
        $admin->createTopic($topic, $partitions, 1, $configs, self::WAIT_MS);
        $deadline = self::nowMs() + self::WAIT_MS;
        while (self::nowMs() < $deadline) {
            $md = $admin->metadata($topic, 5000)->getTopic($topic);
            if ($md !== null && $md->getErr() === 0 && count($md->getPartitions()) === $partitions) {
                $led = true;
                foreach ($md->getPartitions() as $p) {
                    $led = $led && $p->getLeader() >= 0;
                }
                if ($led) {
                    $admin->close();

                    return;
                }
            }
        }
        self::fail('topic ' . $topic . ' did not get leaders for its ' . $partitions . ' partitions within ' . self::WAIT_MS . ' ms');
    }

    /**
     * Drains delivery reports until each id got one (bounded). Fails on a duplicate or unknown
     * report. Returns the reports keyed by message id.
     *
     * @param int[] $ids
     *
     * @return array<int, DeliveryReport>
     */
    protected static function awaitDeliveries(Producer $producer, array $ids, int $timeoutMs = self::WAIT_MS): array
    {
        $want = array_fill_keys($ids, true);
        $reports = [];
        $deadline = self::nowMs() + $timeoutMs;
        while (count($reports) < count($want) && self::nowMs() < $deadline) {
            foreach ($producer->pollEvents(100, 1000) as $event) {
                if (!$event instanceof DeliveryReport) {
                    continue;
                }
                $id = $event->getMessageId();
                self::assertArrayHasKey($id, $want, 'delivery report for a message id this test did not produce: ' . $id);
                self::assertArrayNotHasKey($id, $reports, 'second delivery report for message id ' . $id);
                $reports[$id] = $event;
            }
        }
        self::assertCount(count($want), $reports, 'delivery reports that arrived within ' . $timeoutMs . ' ms');

        return $reports;
    }

    /**
     * Polls (in batches) until $want messages arrived or the bound passed; fails on a consumer
     * error entry.
     *
     * @return Message[]
     */
    protected static function consume(Consumer $consumer, int $want, int $timeoutMs = self::WAIT_MS): array
    {
        $got = [];
        $deadline = self::nowMs() + $timeoutMs;
        while (count($got) < $want && self::nowMs() < $deadline) {
            foreach ($consumer->pollBatch(200, $want - count($got)) as $message) {
                self::assertSame(0, $message->getErr(), 'consumer error: ' . $message->getErrorText());
                $got[] = $message;
            }
        }

        return $got;
    }
}
