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
     * Polls (bounded) until one event of each of $classes has arrived, in any order; returns the
     * first of each, by class.
     *
     * @param list<class-string<Event>> $classes
     *
     * @return array<class-string<Event>, Event>
     */
    private static function awaitEvents(Producer $producer, array $classes): array
    {
        $seen = [];
        $deadline = self::nowMs() + 10000;
        while (count($seen) < count($classes) && self::nowMs() < $deadline) {
            $event = $producer->poll(50);
            foreach ($classes as $class) {
                if ($event instanceof $class && !isset($seen[$class])) {
                    $seen[$class] = $event;
                }
            }
        }
        $missing = array_diff($classes, array_keys($seen));
        self::assertSame([], array_values($missing), 'events that did not come within 10 s');

        return $seen;
    }

    public function testStatisticsLogsAndClientErrorsBecomeEvents(): void
    {
        $producer = new Producer([
            'bootstrap.servers' => '127.0.0.1:1',
            'statistics.interval.ms' => 100,
            'debug' => 'broker',
            'bridge.close.timeout.ms' => 500,
        ]);
        // Each kind arrives, in whatever order: the refused connection's error can come before
        // the first statistics report or after it, and the debug lines around both.
        $seen = self::awaitEvents($producer, [StatsEvent::class, LogEvent::class, ErrorEvent::class]);

        $stats = $seen[StatsEvent::class];
        self::assertInstanceOf(StatsEvent::class, $stats);
        self::assertSame(Event::STATS, $stats->getType());
        self::assertArrayHasKey('client_id', $stats->decode());

        $log = $seen[LogEvent::class];
        self::assertInstanceOf(LogEvent::class, $log);
        self::assertGreaterThanOrEqual(0, $log->getLevel());
        self::assertLessThanOrEqual(7, $log->getLevel());
        self::assertNotSame('', $log->getFacility());
        self::assertNotSame('', $log->getMessage());

        $error = $seen[ErrorEvent::class];
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
