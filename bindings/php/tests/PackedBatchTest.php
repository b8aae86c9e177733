<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\BatchProduceException;
use KafkaBridge\Exception\InvalidArgumentException;
use KafkaBridge\Exception\QueueFullException;
use KafkaBridge\Offset;
use KafkaBridge\Producer;
use KafkaBridge\TopicPartition;

/**
 * produceBatch()'s packed path: batches whose records carry nothing but a key and a value for one
 * topic go to the library as one string (kb_producer_produce_packed()); any other batch takes the
 * general path. Both give the same results and the same exceptions; which path ran shows in the
 * operation an exception names.
 */
final class PackedBatchTest extends KafkaTestCase
{
    private const PACKED = 'kb_producer_produce_packed';
    private const GENERAL = 'kb_producer_produce_batch';

    /**
     * Absent, null and empty keys and values, binary bytes (NUL, 0xff, and the four 0xff bytes
     * that mark an absent length) arrive byte for byte, in order, with one report per id; a
     * mixed batch (a record with headers) next to it takes the general path to the same result.
     */
    public function testPackedRecordsArriveByteExact(): void
    {
        $topic = self::uniqueName('packed');
        self::createTopic($topic, 1);
        $producer = new Producer(self::config(['linger.ms' => 5]));
        $binary = "\0\xff\xff\xff\xff\0" . str_repeat("\xfe", 300);
        $records = [
            ['value' => 'plain'],
            ['key' => 'k1', 'value' => ''],
            ['key' => null, 'value' => $binary],
            ['key' => "\xff\xff\xff\xff", 'value' => null],
            ['key' => '', 'value' => 'empty key', 'topic' => $topic],
            ['topic' => null],
            ['key' => "k\0", 'value' => "v\0"],
        ];
        // [key, value] as the consumer must see them.
        $expected = [
            [null, 'plain'],
            ['k1', ''],
            [null, $binary],
            ["\xff\xff\xff\xff", null],
            ['', 'empty key'],
            [null, null],
            ["k\0", "v\0"],
        ];
        $ids = $producer->produceBatch($records, $topic);
        self::assertCount(count($records), $ids);
        // Each record names the topic: no $topic needed.
        $named = array_map(static function (array $r) use ($topic): array {
            return ['topic' => $topic] + $r;
        }, $records);
        $ids = array_merge($ids, $producer->produceBatch($named));
        $mixed = $records;
        $mixed[1]['headers'] = ['h' => 'x'];
        $ids = array_merge($ids, $producer->produceBatch($mixed, $topic));
        for ($i = 1; $i < count($ids); $i++) {
            self::assertGreaterThan($ids[$i - 1], $ids[$i]);
        }
        $producer->flush(self::WAIT_MS);
        $reports = self::awaitDeliveries($producer, $ids);
        foreach ($ids as $offset => $id) {
            self::assertTrue($reports[$id]->isDelivered());
            self::assertSame($offset, $reports[$id]->getOffset(), 'in order on one partition');
        }
        $producer->close();

        $consumer = new Consumer(self::config());
        $consumer->assign([new TopicPartition($topic, 0, Offset::BEGINNING)]);
        $got = self::consume($consumer, count($ids));
        $consumer->close();
        self::assertCount(count($ids), $got);
        foreach ($got as $i => $message) {
            $want = $expected[$i % count($expected)];
            self::assertSame($want[0], $message->getKey(), 'key of message ' . $i);
            self::assertSame($want[1], $message->getValue(), 'value of message ' . $i);
            $headers = $i === 2 * count($records) + 1 ? ['h' => 'x'] : [];
            self::assertSame($headers, $message->getHeaders()->toArray());
        }
    }

    /**
     * Key/value-only records for one topic take the packed path; a header, a partition, a
     * timestamp or a second topic anywhere in the batch sends it down the general path. Shown by
     * the operation of the error an illegal topic name gives.
     *
     * @group brokerless
     */
    public function testOnlyKeyValueBatchesForOneTopicArePacked(): void
    {
        $producer = new Producer(['bootstrap.servers' => '127.0.0.1:1']);
        $plain = [['value' => 'a'], ['key' => 'k', 'value' => 'b'], ['key' => 'k', 'value' => null]];
        self::assertSame(self::PACKED, $this->failingOperation($producer, $plain, 'bad topic'));
        self::assertSame(self::PACKED, $this->failingOperation($producer, [['topic' => 'bad topic', 'value' => 'a'], ['topic' => 'bad topic']], null));
        foreach ([['headers' => ['h' => 'v']], ['partition' => 0], ['timestampMs' => 1700000000000], ['headers' => []]] as $extra) {
            $mixed = $plain;
            $mixed[2] += $extra;
            self::assertSame(self::GENERAL, $this->failingOperation($producer, $mixed, 'bad topic'), json_encode($extra));
        }
        // A second topic: the general path.
        self::assertSame(self::GENERAL, $this->failingOperation($producer, [['topic' => 'bad topic', 'value' => 'a'], ['value' => 'b']], 'good'));
        $producer->close();
    }

    /**
     * What the packed path refuses, it refuses as the general path does: a NUL in the topic
     * name, wrong types, unknown fields, a record without a topic.
     *
     * @group brokerless
     */
    public function testBadBatchesFailAsOnTheGeneralPath(): void
    {
        $producer = new Producer(['bootstrap.servers' => '127.0.0.1:1']);
        try {
            $producer->produceBatch([['value' => 'a']], "t\0");
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString('NUL', $e->getMessage());
        }
        try {
            $producer->produceBatch([['value' => 'a'], ['value' => 'b', 'valeu' => 'typo']], 't');
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString('valeu', $e->getMessage());
        }
        foreach ([[['key' => 5, 'value' => 'a']], [['value' => 1.5]], ['not a record'], [['value' => 'no topic']]] as $records) {
            try {
                $producer->produceBatch($records);
                self::fail('no exception for ' . json_encode($records));
            } catch (\TypeError $e) {
                self::assertStringContainsString('record 0', $e->getMessage());
            }
        }
        $producer->close();
    }

    /**
     * The packed path sends every record to Partition::UNASSIGNED, so a record with a partition
     * takes the batch down the general path; a partition outside int32_t is refused there
     * before anything is enqueued (an InvalidArgumentException, not a BatchProduceException
     * with accepted ids), naming the record: FFI would keep the low 32 bits (4294967297 would
     * be partition 1).
     *
     * @group brokerless
     */
    public function testPartitionOutsideInt32IsRefusedNamingTheRecord(): void
    {
        $producer = new Producer(['bootstrap.servers' => '127.0.0.1:1']);
        foreach ([4294967297, -2147483649] as $partition) {
            $records = [['value' => 'a'], ['key' => 'k', 'value' => 'b'], ['value' => 'c', 'partition' => $partition]];
            try {
                $producer->produceBatch($records, 't');
                self::fail('partition ' . $partition . ' accepted');
            } catch (InvalidArgumentException $e) {
                self::assertSame(InvalidArgumentException::class, get_class($e));
                self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
                self::assertStringContainsString('partition of record 2', $e->getLibraryMessage());
                self::assertStringContainsString('32-bit', $e->getLibraryMessage());
                self::assertStringContainsString((string) $partition, $e->getLibraryMessage());
            }
        }
        $producer->close();
    }

    /**
     * A full librdkafka queue stops the packed batch at the refused record: the ids before it
     * come with the exception, and resending from there completes the batch.
     */
    public function testFullQueueStopsThePackedBatchAtTheRefusedRecord(): void
    {
        $topic = self::uniqueName('packed-full');
        self::createTopic($topic, 1);
        // At most 3 messages held; the long linger keeps them queued while the batch is sent.
        $producer = new Producer(self::config(['linger.ms' => 60000, 'queue.buffering.max.messages' => 3]));
        $records = [];
        for ($i = 0; $i < 5; $i++) {
            $records[] = ['value' => 'q' . $i];
        }
        try {
            $producer->produceBatch($records, $topic);
            self::fail('no exception');
        } catch (BatchProduceException $e) {
            self::assertSame(self::PACKED, $e->getOperation());
            self::assertSame(ErrorCode::QUEUE_FULL, $e->getCode());
            self::assertTrue($e->isRetriable());
            self::assertInstanceOf(QueueFullException::class, $e->getPrevious());
            self::assertSame(3, $e->getFailedIndex());
            $ids = $e->getAcceptedIds();
        }
        self::assertCount(3, $ids);
        $producer->flush(self::WAIT_MS);
        self::awaitDeliveries($producer, $ids);
        $more = $producer->produceBatch(array_slice($records, 3), $topic);
        self::assertCount(2, $more);
        self::assertGreaterThan($ids[2], $more[0]);
        $producer->flush(self::WAIT_MS);
        self::awaitDeliveries($producer, $more);
        $producer->close();
        self::assertSame([0, 5], (new Consumer(self::config()))->watermarks($topic, 0, self::WAIT_MS));
    }

    /**
     * The operation named by the BatchProduceException that $records (with an illegal topic)
     * raise: which path the batch took.
     *
     * @param array<int, array<string, mixed>> $records
     */
    private function failingOperation(Producer $producer, array $records, ?string $topic): string
    {
        try {
            $producer->produceBatch($records, $topic);
        } catch (BatchProduceException $e) {
            self::assertSame(ErrorCode::TOPIC_EXCEPTION, $e->getCode());
            self::assertSame(0, $e->getFailedIndex());
            self::assertSame([], $e->getAcceptedIds());

            return $e->getOperation();
        }
        self::fail('no exception');
    }
}
