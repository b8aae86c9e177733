<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\InvalidArgumentException;
use KafkaBridge\Exception\InvalidStateException;
use KafkaBridge\MockCluster;
use KafkaBridge\Offset;
use KafkaBridge\Producer;
use KafkaBridge\TopicPartition;

/**
 * librdkafka's embedded mock cluster: a round trip with no broker at all.
 *
 * @group brokerless
 */
final class MockClusterTest extends KafkaTestCase
{
    public function testRoundTripWithoutBroker(): void
    {
        $mock = new MockCluster(1);
        $servers = $mock->bootstrapServers();
        self::assertMatchesRegularExpression('/^127\.0\.0\.1:\d+$/', $servers);

        $producer = new Producer(['bootstrap.servers' => $servers]);
        $report = $producer->produceSync('mocktopic', "hello\0mock", "k\0", ['h' => null], 0, 0, 10000);
        self::assertSame(0, $report->getPartition());
        self::assertSame(0, $report->getOffset());
        $producer->close();

        $consumer = new Consumer(['bootstrap.servers' => $servers]);
        $consumer->assign([new TopicPartition('mocktopic', 0, Offset::BEGINNING)]);
        $messages = self::consume($consumer, 1, 15000);
        self::assertCount(1, $messages);
        self::assertSame("hello\0mock", $messages[0]->getValue());
        self::assertSame("k\0", $messages[0]->getKey());
        self::assertTrue($messages[0]->getHeaders()->has('h'));
        self::assertNull($messages[0]->getHeaders()->get('h'));
        $consumer->close();

        $mock->close();
        $mock->close(); // a second close is a no-op
        self::assertTrue($mock->isClosed());
        $this->expectException(InvalidStateException::class);
        $mock->bootstrapServers();
    }

    public function testBrokerCountIsChecked(): void
    {
        try {
            new MockCluster(0);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
            self::assertStringContainsString('broker_count', $e->getMessage());
        }
    }
}
