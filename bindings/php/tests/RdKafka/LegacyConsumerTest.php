<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use RdKafka\Consumer;
use RdKafka\ConsumerTopic;
use RdKafka\Exception;
use RdKafka\Message;
use RdKafka\TopicConf;
use RdKafka\TopicPartition;

/**
 * The legacy RdKafka\Consumer (consumeStart/consume per partition, queues) on kafkabridge's
 * manually assigned consumer, against the real broker: order, per-partition buffering,
 * stored and committed offsets.
 */
final class LegacyConsumerTest extends RdKafkaTestCase
{
    private function topic(Consumer $consumer, string $name, string $reset = 'earliest'): ConsumerTopic
    {
        $topicConf = new TopicConf();
        $topicConf->set('auto.offset.reset', $reset);

        return $consumer->newTopic($name, $topicConf);
    }

    /**
     * Reads one partition until $want messages (bounded), skipping nulls.
     *
     * @return Message[]
     */
    private static function read(ConsumerTopic $topic, int $partition, int $want): array
    {
        $got = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($got) < $want && self::nowMs() < $deadline) {
            $message = $topic->consume($partition, 200);
            if ($message === null) {
                continue;
            }
            self::assertSame(RD_KAFKA_RESP_ERR_NO_ERROR, $message->err, $message->errstr());
            $got[] = $message;
        }
        self::assertCount($want, $got, 'messages of partition ' . $partition);

        return $got;
    }

    /**
     * @param Message[] $messages
     *
     * @return array<int, string>
     */
    private static function payloads(array $messages): array
    {
        return array_map(static function (Message $m): string {
            return (string) $m->payload;
        }, $messages);
    }

    public function testPartitionsAreReadSeparatelyAndStoredOffsetsResume(): void
    {
        $name = self::uniqueName('rdk-legacy');
        self::createTopic($name, 2);
        self::produceNative($name, [[0, 'p0-a', 'k'], [0, 'p0-b'], [0, 'p0-c'], [1, 'p1-a'], [1, 'p1-b']]);
        $group = self::uniqueName('rdk-legacy-group');

        $consumer = new Consumer($this->conf(['group.id' => $group], false));
        self::assertSame(1, $consumer->addBrokers(self::brokers()));
        $topic = $this->topic($consumer, $name);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_STORED);
        $topic->consumeStart(1, RD_KAFKA_OFFSET_STORED);
        // Partition 1 first: what arrives for partition 0 meanwhile waits in its buffer.
        $p1 = self::read($topic, 1, 2);
        self::assertSame(['p1-a', 'p1-b'], self::payloads($p1));
        $p0 = self::read($topic, 0, 3);
        self::assertSame(['p0-a', 'p0-b', 'p0-c'], self::payloads($p0));
        self::assertSame([0, 1, 2], array_map(static function (Message $m): int {
            return $m->offset;
        }, $p0));
        self::assertSame($name, $p0[0]->topic_name);
        self::assertSame(0, $p0[0]->partition);
        self::assertSame('k', $p0[0]->key);
        self::assertSame(4, $p0[0]->len);
        self::assertGreaterThan(0, $p0[0]->timestamp);
        self::assertNull($topic->consume(0, 100), 'nothing more');
        unset($topic, $consumer); // destruction stops the partitions and commits

        self::assertSame([0 => 3, 1 => 2], self::committedOffsets($group, $name, 2));

        self::produceNative($name, [[0, 'p0-d']]);
        $again = new Consumer($this->conf(['group.id' => $group]));
        $topic = $this->topic($again, $name);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_STORED);
        $next = self::read($topic, 0, 1);
        self::assertSame(['p0-d'], self::payloads($next));
        self::assertSame(3, $next[0]->offset);
        $topic->consumeStop(0);
        self::assertSame([0 => 4, 1 => 2], self::committedOffsets($group, $name, 2), 'consumeStop() committed');
    }

    public function testConsumeBatchQueueAndCallback(): void
    {
        $name = self::uniqueName('rdk-batch');
        self::createTopic($name, 2);
        self::produceMany($name, 0, 7, 'zero-');
        self::produceMany($name, 1, 4, 'one-');
        $consumer = new Consumer($this->conf());
        $topic = $this->topic($consumer, $name);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_BEGINNING);
        try {
            $topic->consumeBatch(0, 100, 0);
            self::fail('batch size 0 accepted');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('batch_size', $e->getMessage());
        }
        $batch = $topic->consumeBatch(0, self::WAIT_MS, 5);
        self::assertSame(['zero-0', 'zero-1', 'zero-2', 'zero-3', 'zero-4'], self::payloads($batch));
        $rest = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($rest) < 2 && self::nowMs() < $deadline) {
            $rest = array_merge($rest, $topic->consumeBatch(0, 200, 10));
        }
        self::assertSame(['zero-5', 'zero-6'], self::payloads($rest));
        self::assertSame([], $topic->consumeBatch(0, 50, 10));

        // Partition 1 into a queue; partition 0 again from the beginning, also into it.
        $topic->consumeStop(0);
        $queue = $consumer->newQueue();
        $topic->consumeQueueStart(1, RD_KAFKA_OFFSET_BEGINNING, $queue);
        $topic->consumeQueueStart(0, rd_kafka_offset_tail(2), $queue);
        $got = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($got) < 6 && self::nowMs() < $deadline) {
            $message = $queue->consume(200);
            if ($message !== null) {
                self::assertSame(0, $message->err, $message->errstr());
                $got[] = $message->payload;
            }
        }
        sort($got);
        self::assertSame(['one-0', 'one-1', 'one-2', 'one-3', 'zero-5', 'zero-6'], $got);
        self::assertNull($queue->consume(50));
        self::assertNull($topic->consume(1, 50), 'a partition started into a queue is read from the queue');

        // consumeCallback() on a partition of its own.
        $topic->consumeStop(0);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_BEGINNING);
        $seen = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($seen) < 7 && self::nowMs() < $deadline) {
            $topic->consumeCallback(0, 200, function (Message $message) use (&$seen): void {
                $seen[] = $message->payload;
            });
        }
        self::assertSame(['zero-0', 'zero-1', 'zero-2', 'zero-3', 'zero-4', 'zero-5', 'zero-6'], $seen);
    }

    public function testOffsetStoreWithAutomaticStoreOff(): void
    {
        $name = self::uniqueName('rdk-store');
        self::createTopic($name, 1);
        self::produceMany($name, 0, 4, 'm');
        $group = self::uniqueName('rdk-store-group');
        $consumer = new Consumer($this->conf(['group.id' => $group, 'enable.auto.offset.store' => 'false']));
        $topic = $this->topic($consumer, $name);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_STORED);
        $messages = self::read($topic, 0, 4);
        $topic->offsetStore(0, $messages[1]->offset); // processed up to m1
        $topic->consumeStop(0);
        self::assertSame([0 => 2], self::committedOffsets($group, $name, 1));

        $topic->consumeStart(0, RD_KAFKA_OFFSET_STORED);
        self::assertSame(['m2', 'm3'], self::payloads(self::read($topic, 0, 2)));
    }

    public function testMisuseIsReportedAsPhpRdkafkaDoes(): void
    {
        $name = self::uniqueName('rdk-misuse');
        self::createTopic($name, 1);
        $consumer = new Consumer($this->conf());
        $topic = $this->topic($consumer, $name);
        try {
            $topic->consume(0, 10);
            self::fail('consumed a partition that was not started');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, $e->getCode());
        }
        try {
            $topic->consumeStart(-1, RD_KAFKA_OFFSET_BEGINNING);
            self::fail('partition -1 accepted');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('-1', $e->getMessage());
        }
        $topic->consumeStart(0, RD_KAFKA_OFFSET_END);
        try {
            $topic->consumeStart(0, RD_KAFKA_OFFSET_END);
            self::fail('started twice');
        } catch (Exception $e) {
            self::assertStringContainsString('already being consumed', $e->getMessage());
        }
        try {
            $topic->consumeStop(5);
            self::fail('stopped a partition that was not started');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, $e->getCode());
        }
        $paused = $consumer->pausePartitions([new TopicPartition($name, 0), new TopicPartition($name, 3)]);
        self::assertSame([0, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION], [$paused[0]->getErr(), $paused[1]->getErr()]);
        $resumed = $consumer->resumePartitions([new TopicPartition($name, 0)]);
        self::assertSame(0, $resumed[0]->getErr());
        self::assertSame(0, $consumer->flush(10));
        self::assertSame(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, $consumer->purge(RD_KAFKA_PURGE_F_QUEUE));
    }

    /**
     * Reading only one partition while another floods: the other is buffered, paused when its
     * buffer is full and resumed when drained, and every message arrives exactly once, in order.
     */
    public function testBufferedPartitionIsPausedAndLosesNothing(): void
    {
        $name = self::uniqueName('rdk-flood');
        self::createTopic($name, 2);
        self::produceMany($name, 1, 3000, 'f');
        self::produceMany($name, 0, 3, 's');
        $consumer = new Consumer($this->conf());
        $topic = $this->topic($consumer, $name);
        $topic->consumeStart(1, RD_KAFKA_OFFSET_BEGINNING);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_BEGINNING);
        self::assertSame(['s0', 's1', 's2'], self::payloads(self::read($topic, 0, 3)));
        $offsets = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($offsets) < 3000 && self::nowMs() < $deadline) {
            foreach ($topic->consumeBatch(1, 200, 500) as $message) {
                self::assertSame(0, $message->err, $message->errstr());
                self::assertSame('f' . $message->offset, $message->payload);
                $offsets[] = $message->offset;
            }
        }
        self::assertSame(range(0, 2999), $offsets);
        self::assertSame([], $topic->consumeBatch(1, 100, 10));
    }

    public function testPartitionEofAndOffsetEnd(): void
    {
        $name = self::uniqueName('rdk-eof');
        self::createTopic($name, 1);
        self::produceMany($name, 0, 2, 'old');
        $consumer = new Consumer($this->conf(['enable.partition.eof' => 'true']));
        $topic = $this->topic($consumer, $name);
        $topic->consumeStart(0, RD_KAFKA_OFFSET_BEGINNING);
        $entries = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($entries) < 3 && self::nowMs() < $deadline) {
            $message = $topic->consume(0, 200);
            if ($message !== null) {
                $entries[] = [$message->err, $message->offset, $message->payload];
            }
        }
        self::assertCount(3, $entries);
        self::assertSame([[0, 0, 'old0'], [0, 1, 'old1']], array_slice($entries, 0, 2));
        self::assertSame(RD_KAFKA_RESP_ERR__PARTITION_EOF, $entries[2][0]);
        self::assertSame(2, $entries[2][1], 'the EOF entry carries the end offset');
        $topic->consumeStop(0);

        // RD_KAFKA_OFFSET_END: only what is produced afterwards.
        $topic->consumeStart(0, RD_KAFKA_OFFSET_END);
        $eof = null;
        $deadline = self::nowMs() + self::WAIT_MS;
        while ($eof === null && self::nowMs() < $deadline) {
            $eof = $topic->consume(0, 200);
        }
        self::assertNotNull($eof);
        self::assertSame(RD_KAFKA_RESP_ERR__PARTITION_EOF, $eof->err, 'only EOF: the old messages are before the end');
        self::produceMany($name, 0, 1, 'new');
        $new = null;
        $deadline = self::nowMs() + self::WAIT_MS;
        while ($new === null && self::nowMs() < $deadline) {
            $message = $topic->consume(0, 200);
            if ($message !== null && $message->err === 0) {
                $new = $message;
            }
        }
        self::assertNotNull($new);
        self::assertSame('new0', $new->payload);
        self::assertSame(2, $new->offset);
    }
}
