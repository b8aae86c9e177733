<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Admin;
use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Exception\TimeoutException;
use KafkaBridge\Producer;

/**
 * Topic administration, metadata through every kind of client, and watermarks, against the real
 * broker.
 */
final class MetadataAdminTest extends KafkaTestCase
{
    /** The port of the first broker in KAFKA_BROKERS. */
    private static function brokerPort(): int
    {
        $first = explode(',', self::brokers())[0];

        return (int) substr($first, (int) strrpos($first, ':') + 1);
    }

    public function testCreateDescribeAndDeleteTopic(): void
    {
        $topic = self::uniqueName('admin');
        $admin = new Admin(self::config());
        $admin->createTopic($topic, 3, 1, ['cleanup.policy' => 'compact'], self::WAIT_MS);
        try {
            $admin->createTopic($topic, 3, 1, [], self::WAIT_MS);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::TOPIC_ALREADY_EXISTS, $e->getCode());
            self::assertSame('TOPIC_ALREADY_EXISTS', $e->getErrorName());
            self::assertStringContainsString($topic, $e->getLibraryMessage());
        }
        try {
            $admin->createTopic(self::uniqueName('admin-bad'), 1, 1, ['cleanup.policy' => 'banana'], self::WAIT_MS);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::INVALID_CONFIG, $e->getCode());
        }

        // Metadata (bounded wait for every partition to get its leader).
        $md = null;
        $deadline = self::nowMs() + self::WAIT_MS;
        while (self::nowMs() < $deadline) {
            $md = $admin->metadata($topic, 5000);
            $t = $md->getTopic($topic);
            if ($t !== null && $t->getErr() === 0 && count($t->getPartitions()) === 3
                && min(array_map(function ($p): int {
                    return $p->getLeader();
                }, $t->getPartitions())) >= 0) {
                break;
            }
        }
        self::assertNotNull($md);
        self::assertCount(1, $md->getTopics());
        $t = $md->getTopic($topic);
        self::assertNotNull($t);
        self::assertSame(0, $t->getErr());
        $ids = [];
        foreach ($t->getPartitions() as $p) {
            $ids[] = $p->getId();
            self::assertSame(0, $p->getErr());
            self::assertSame([$p->getLeader()], $p->getReplicas());
            self::assertSame([$p->getLeader()], $p->getIsrs());
        }
        sort($ids);
        self::assertSame([0, 1, 2], $ids);
        self::assertCount(1, $md->getBrokers());
        self::assertSame(self::brokerPort(), $md->getBrokers()[0]->getPort());
        self::assertNotSame('', $md->getBrokers()[0]->getHost());
        self::assertSame($t->getPartitions()[0]->getLeader(), $md->getBrokers()[0]->getId());
        self::assertNotSame('', $md->getOrigBrokerName());

        // All topics include it; a producer and a consumer see it too.
        self::assertNotNull($admin->metadata(null, self::WAIT_MS)->getTopic($topic));
        $producer = new Producer(self::config());
        self::assertCount(3, $producer->metadata($topic, self::WAIT_MS)->getTopics()[0]->getPartitions());
        // cleanup.policy=compact took effect: the broker refuses a message without a key.
        self::assertSame(0, $producer->produceSync($topic, 'v', 'k', [], 0, 0, self::WAIT_MS)->getOffset());
        try {
            $producer->produceSync($topic, 'v', null, [], 0, 0, self::WAIT_MS);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::INVALID_RECORD, $e->getCode());
        }
        $producer->close(); // no producer may ask about the topic once it is deleted
        $consumer = new Consumer(self::config());
        self::assertCount(3, $consumer->metadata($topic, self::WAIT_MS)->getTopics()[0]->getPartitions());

        // Delete: it disappears from the metadata (bounded wait for propagation).
        $admin->deleteTopic($topic, self::WAIT_MS);
        $gone = false;
        $deadline = self::nowMs() + self::WAIT_MS;
        while (!$gone && self::nowMs() < $deadline) {
            $gone = $admin->metadata(null, 5000)->getTopic($topic) === null;
        }
        self::assertTrue($gone, 'deleted topic still listed');
        $err = $consumer->metadata($topic, 5000)->getTopics()[0]->getErr();
        self::assertSame(ErrorCode::UNKNOWN_TOPIC_OR_PART, $err, 'asking about the deleted topic: ' . $err);
        $consumer->close();

        try {
            $admin->deleteTopic($topic, self::WAIT_MS);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::UNKNOWN_TOPIC_OR_PART, $e->getCode());
        }
        $admin->close();
    }

    public function testWatermarks(): void
    {
        $topic = self::uniqueName('watermarks');
        self::createTopic($topic, 2);
        $producer = new Producer(self::config());
        for ($i = 0; $i < 7; $i++) {
            $producer->produce($topic, 'w' . $i, null, [], 1);
        }
        $producer->flush(self::WAIT_MS);
        self::assertSame([0, 7], $producer->watermarks($topic, 1, self::WAIT_MS));
        self::assertSame([0, 0], $producer->watermarks($topic, 0, self::WAIT_MS));
        $producer->pollEvents(0);
        $producer->close();
        $admin = new Admin(self::config());
        self::assertSame([0, 7], $admin->watermarks($topic, 1, self::WAIT_MS));
        $admin->close();
    }

    /** @group brokerless */
    public function testUnreachableClusterTimesOut(): void
    {
        $admin = new Admin(['bootstrap.servers' => '127.0.0.1:1']);
        try {
            $admin->metadata(null, 300);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertContains($e->getCode(), [ErrorCode::TIMED_OUT, ErrorCode::TRANSPORT], $e->getMessage());
            self::assertTrue($e->isRetriable(), $e->getMessage());
            if ($e->getCode() === ErrorCode::TIMED_OUT) {
                self::assertInstanceOf(TimeoutException::class, $e);
            }
        }
        $admin->close();
    }
}
