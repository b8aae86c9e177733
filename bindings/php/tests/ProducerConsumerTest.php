<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Headers;
use KafkaBridge\Message;
use KafkaBridge\Offset;
use KafkaBridge\Producer;
use KafkaBridge\TopicPartition;

/**
 * The native producer and consumer against the real broker: byte-exact round trips, synchronous
 * produce, batches in both directions and delivery reports that carry the produced ids.
 */
final class ProducerConsumerTest extends KafkaTestCase
{
    private const ROUND_TRIP_N = 12;

    /**
     * Keys and values with NUL and 0xff bytes, absent and empty keys/values (3: no key, 4: empty
     * value, 5: tombstone, 6: empty key), headers with NUL bytes, a NULL value, an empty value and
     * a repeated name, explicit timestamps: all arrive byte for byte through a group subscription,
     * and every id gets one successful report.
     */
    public function testRoundTripIsByteExact(): void
    {
        $topic = self::uniqueName('roundtrip');
        self::createTopic($topic, 2);
        $producer = new Producer(self::config(['linger.ms' => 5, 'enable.idempotence' => true]));

        $base = (int) (microtime(true) * 1000) - 600000; // ten minutes ago: a valid create time
        $sent = [];
        for ($i = 0; $i < self::ROUND_TRIP_N; $i++) {
            $key = $i === 3 ? null : ($i === 6 ? '' : "k\0" . chr($i) . "\xff" . "x\0\0" . chr($i * 7));
            $value = $i === 5 ? null : ($i === 4 ? '' : str_repeat("v\0" . chr(200 + $i), 1 + $i));
            $headers = [['h-bin', "h\0" . chr($i)], ['h-null', null], ['h-empty', ''], ['h-bin', 'again']];
            $id = $producer->produce($topic, $value, $key, $headers, $i % 2, $base + $i * 1000);
            $sent[$id] = ['key' => $key, 'value' => $value, 'headers' => $headers, 'ts' => $base + $i * 1000, 'partition' => $i % 2];
        }
        $producer->flush(self::WAIT_MS);
        $reports = self::awaitDeliveries($producer, array_keys($sent));
        $byPosition = [];
        foreach ($reports as $id => $report) {
            self::assertTrue($report->isDelivered(), (string) $report->getErrorText());
            self::assertSame($topic, $report->getTopic());
            self::assertSame($sent[$id]['partition'], $report->getPartition());
            self::assertGreaterThanOrEqual(0, $report->getOffset());
            $byPosition[$report->getPartition() . '@' . $report->getOffset()] = $id;
        }
        $producer->close();

        $consumer = new Consumer(self::config([
            'group.id' => self::uniqueName('rt-group'),
            'auto.offset.reset' => 'earliest',
            'enable.auto.commit' => false,
        ]));
        $consumer->subscribe([$topic]);
        self::assertSame([$topic], $consumer->subscription());
        $messages = self::consume($consumer, self::ROUND_TRIP_N);
        self::assertCount(self::ROUND_TRIP_N, $messages);
        $seen = [];
        foreach ($messages as $m) {
            $position = $m->getPartition() . '@' . $m->getOffset();
            self::assertArrayHasKey($position, $byPosition, 'a message nobody produced: ' . $position);
            $want = $sent[$byPosition[$position]];
            self::assertArrayNotHasKey($position, $seen, 'consumed twice: ' . $position);
            $seen[$position] = true;
            self::assertSame($topic, $m->getTopic());
            self::assertSame($want['key'], $m->getKey());
            self::assertSame($want['value'], $m->getValue());
            self::assertSame($want['headers'], $m->getHeaders()->all());
            self::assertSame('again', $m->getHeaders()->get('h-bin'), 'the last of a repeated name');
            self::assertSame([$want['headers'][0][1], 'again'], $m->getHeaders()->getAll('h-bin'));
            self::assertTrue($m->getHeaders()->has('h-null'));
            self::assertNull($m->getHeaders()->get('h-null'));
            self::assertSame($want['ts'], $m->getTimestampMs());
            self::assertSame(Message::TIMESTAMP_CREATE_TIME, $m->getTimestampType());
            self::assertFalse($m->isError());
            self::assertNull($m->getErrorText());
        }

        // Commit what was consumed; the group's committed offsets say so.
        $consumer->commit();
        $committed = $consumer->committed([new TopicPartition($topic, 0), new TopicPartition($topic, 1)], self::WAIT_MS);
        self::assertCount(2, $committed);
        foreach ($committed as $tp) {
            self::assertSame(self::ROUND_TRIP_N / 2, $tp->getOffset(), (string) $tp);
        }
        $consumer->close();
    }

    /**
     * produceSync() returns partition and offset of that one message, without sitting out a
     * linger.ms far longer than its timeout, and its report is not queued a second time.
     */
    public function testProduceSyncReturnsPartitionAndOffset(): void
    {
        $topic = self::uniqueName('sync');
        self::createTopic($topic, 1);
        $producer = new Producer(self::config(['linger.ms' => 60000]));
        $first = $producer->produceSync($topic, 'one', 'k', [], -1, 0, 20000);
        $second = $producer->produceSync($topic, "two\0", null, new Headers([['a', 'b']]), 0, 1700000000123, 20000);
        self::assertSame(0, $first->getPartition());
        self::assertSame(0, $first->getOffset());
        self::assertSame($topic, $first->getTopic());
        self::assertTrue($first->isDelivered());
        self::assertSame(1, $second->getOffset());
        self::assertSame(1700000000123, $second->getTimestampMs());
        self::assertGreaterThan($first->getMessageId(), $second->getMessageId());
        self::assertNull($producer->poll(0), 'a synchronous report is returned, not queued again');

        // A failed delivery comes back as the call's exception.
        try {
            $producer->produceSync($topic, 'x', null, [], 7, 0, 20000);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::UNKNOWN_PARTITION, $e->getCode());
            self::assertSame('_UNKNOWN_PARTITION', $e->getErrorName());
        }
        $producer->close();
        self::assertSame([0, 2], (new Consumer(self::config()))->watermarks($topic, 0, self::WAIT_MS));
    }

    /**
     * produceBatch() enqueues hundreds of records with one call (ids in order), and pollBatch()
     * reads them back in order.
     */
    public function testBatchProduceAndBatchConsume(): void
    {
        $topic = self::uniqueName('batch');
        self::createTopic($topic, 1);
        $producer = new Producer(self::config(['linger.ms' => 5]));
        $records = [];
        for ($i = 0; $i < 300; $i++) {
            $records[] = [
                'value' => sprintf("b%03d\0", $i),
                'key' => $i % 3 === 0 ? null : (string) $i,
                'headers' => $i % 2 === 0 ? [] : ['n' => (string) $i, 'z' => null],
                'partition' => 0,
            ];
        }
        $ids = $producer->produceBatch($records, $topic);
        self::assertCount(300, $ids);
        for ($i = 1; $i < 300; $i++) {
            self::assertGreaterThan($ids[$i - 1], $ids[$i]);
        }
        self::assertSame([], $producer->produceBatch([]));
        $producer->flush(self::WAIT_MS);
        $reports = self::awaitDeliveries($producer, $ids);
        foreach ($ids as $i => $id) {
            self::assertSame($i, $reports[$id]->getOffset(), 'in order on one partition');
        }
        $producer->close();

        $consumer = new Consumer(self::config());
        $consumer->assign([new TopicPartition($topic, 0, Offset::BEGINNING)]);
        $batches = 0;
        $got = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($got) < 300 && self::nowMs() < $deadline) {
            $batch = $consumer->pollBatch(500, 100);
            self::assertLessThanOrEqual(100, count($batch));
            if ($batch !== []) {
                $batches++;
            }
            foreach ($batch as $m) {
                $got[] = $m;
            }
        }
        self::assertCount(300, $got);
        self::assertLessThan(300, $batches, 'messages arrive several per call');
        foreach ($got as $i => $m) {
            self::assertSame($i, $m->getOffset());
            self::assertSame(sprintf("b%03d\0", $i), $m->getValue());
            self::assertSame($i % 3 === 0 ? null : (string) $i, $m->getKey());
            self::assertSame($i % 2 === 0 ? [] : ['n' => (string) $i, 'z' => null], $m->getHeaders()->toArray());
        }
        $consumer->close();
    }

    /**
     * pollEvents() hands over delivery reports that carry exactly the ids produce() returned,
     * one each.
     */
    public function testDeliveryReportsCarryProducedIds(): void
    {
        $topic = self::uniqueName('dr');
        self::createTopic($topic, 1);
        $producer = new Producer(self::config(['linger.ms' => 5]));
        $ids = [];
        for ($i = 0; $i < 25; $i++) {
            $ids[] = $producer->produce($topic, 'm' . $i);
        }
        self::assertCount(25, array_unique($ids));
        $producer->flush(self::WAIT_MS);
        $reports = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($reports) < 25 && self::nowMs() < $deadline) {
            foreach ($producer->pollEvents(100, 10) as $event) {
                if ($event instanceof DeliveryReport) {
                    self::assertArrayNotHasKey($event->getMessageId(), $reports, 'one report per message');
                    $reports[$event->getMessageId()] = $event;
                }
            }
        }
        self::assertEqualsCanonicalizing($ids, array_keys($reports));
        foreach ($reports as $report) {
            self::assertSame(0, $report->getErr());
            self::assertSame($topic, $report->getTopic());
            self::assertSame(0, $report->getPartition());
        }
        self::assertSame([], array_filter($producer->pollEvents(0), function ($e): bool {
            return $e instanceof DeliveryReport;
        }), 'no report twice');
        self::assertSame(0, $producer->queueLength());
        $producer->close();
    }
}
