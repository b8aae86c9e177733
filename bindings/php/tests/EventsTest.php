<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorCode;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Event;
use KafkaBridge\LogEvent;
use KafkaBridge\Producer;
use KafkaBridge\Purge;
use KafkaBridge\StatsEvent;

/**
 * Statistics, logs, client errors and purged messages arrive as typed events. No broker needed:
 * the producer points at a closed port.
 *
 * @group brokerless
 */
final class EventsTest extends KafkaTestCase
{
    /**
     * Polls (bounded) until an event of $class arrives.
     *
     * @param class-string<Event> $class
     */
    private static function awaitEvent(Producer $producer, string $class): Event
    {
        $deadline = self::nowMs() + 10000;
        while (self::nowMs() < $deadline) {
            $event = $producer->poll(50);
            if ($event instanceof $class) {
                return $event;
            }
        }
        self::fail('no ' . $class . ' within 10 s');
    }

    public function testStatisticsLogsAndClientErrorsBecomeEvents(): void
    {
        $producer = new Producer([
            'bootstrap.servers' => '127.0.0.1:1',
            'statistics.interval.ms' => 100,
            'debug' => 'broker',
            'bridge.close.timeout.ms' => 500,
        ]);
        $stats = self::awaitEvent($producer, StatsEvent::class);
        self::assertInstanceOf(StatsEvent::class, $stats);
        self::assertSame(Event::STATS, $stats->getType());
        self::assertArrayHasKey('client_id', $stats->decode());

        $log = self::awaitEvent($producer, LogEvent::class);
        self::assertInstanceOf(LogEvent::class, $log);
        self::assertGreaterThanOrEqual(0, $log->getLevel());
        self::assertLessThanOrEqual(7, $log->getLevel());
        self::assertNotSame('', $log->getFacility());
        self::assertNotSame('', $log->getMessage());

        $error = self::awaitEvent($producer, ErrorEvent::class);
        self::assertInstanceOf(ErrorEvent::class, $error);
        self::assertNotSame(0, $error->getErr());
        self::assertNotSame('', $error->getMessage());
        self::assertFalse($error->isFatal());
        self::assertStringStartsWith('_', $error->getErrorName());
        $producer->close();
    }

    public function testPurgedMessagesGetFailedReports(): void
    {
        $producer = new Producer(['bootstrap.servers' => '127.0.0.1:1', 'linger.ms' => 60000]);
        $ids = [];
        for ($i = 0; $i < 3; $i++) {
            $ids[] = $producer->produce('purged', 'p' . $i);
        }
        self::assertGreaterThanOrEqual(3, $producer->queueLength());
        $producer->purge(Purge::QUEUE);
        $reports = self::awaitDeliveries($producer, $ids, 10000);
        foreach ($reports as $report) {
            self::assertInstanceOf(DeliveryReport::class, $report);
            self::assertFalse($report->isDelivered());
            self::assertSame(ErrorCode::PURGE_QUEUE, $report->getErr());
            self::assertSame('_PURGE_QUEUE', $report->getErrorName());
            self::assertNotEmpty($report->getErrorText());
            self::assertSame('purged', $report->getTopic());
        }
        $producer->close();
    }
}
