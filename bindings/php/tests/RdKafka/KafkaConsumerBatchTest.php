<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use RdKafka\KafkaConsumer;
use RdKafka\Message;
use RdKafka\TopicPartition;

/**
 * RdKafka\KafkaConsumer fetches messages in batches and hands them out one at a time. What the
 * application sees must not change: offsets are stored (and so committed, on commit(), close,
 * destruction and rebalance) only for the messages consume() returned, positions are those of
 * the next message consume() returns, a paused partition's fetched messages wait for its resume,
 * an unassigned partition's are dropped, and across a rebalance nothing is lost or repeated.
 * Every test fetches one batch that holds more than it reads.
 */
final class KafkaConsumerBatchTest extends RdKafkaTestCase
{
    private const N = 10;

    /** A topic with self::N messages "m<i>" at offsets 0..N-1 in each of its partitions. */
    private static function topicWithMessages(string $prefix, int $partitions = 1): string
    {
        $name = self::uniqueName($prefix);
        self::createTopic($name, $partitions);
        for ($p = 0; $p < $partitions; $p++) {
            self::produceMany($name, $p, self::N, $p . 'm');
        }

        return $name;
    }

    /** @param array<string, string> $settings */
    private function consumer(string $group, array $settings = []): KafkaConsumer
    {
        return new KafkaConsumer($this->conf($settings + ['group.id' => $group, 'auto.offset.reset' => 'earliest', 'enable.auto.commit' => 'false']));
    }

    /**
     * @param Message[] $messages
     *
     * @return int[]
     */
    private static function offsets(array $messages): array
    {
        return array_map(static function (Message $m): int {
            return $m->offset;
        }, $messages);
    }

    /** The offset getOffsetPositions() reports for partition 0. */
    private static function position(KafkaConsumer $consumer, string $topic): int
    {
        return $consumer->getOffsetPositions([new TopicPartition($topic, 0)])[0]->getOffset();
    }

    public function testCommitCoversOnlyTheReturnedMessages(): void
    {
        $topic = self::topicWithMessages('rdk-batch-commit');
        $group = self::uniqueName('rdk-batch-commit-group');
        $commits = [];
        $conf = $this->conf(['group.id' => $group, 'auto.offset.reset' => 'earliest', 'enable.auto.commit' => 'false']);
        $conf->setOffsetCommitCb(function ($kafka, int $err, array $partitions) use (&$commits): void {
            $commits[] = $err . ' ' . $partitions[0]->getOffset();
        });
        $consumer = new KafkaConsumer($conf);
        $consumer->subscribe([$topic]);
        self::assertSame([0, 1, 2], self::offsets(self::consumeKafka($consumer, 3)));
        self::assertSame(3, self::position($consumer, $topic), 'the position is that of the next message consume() returns');
        $consumer->commit();
        self::assertSame([0 => 3], self::committedOffsets($group, $topic, 1));
        $consumer->consume(0); // serves the offset commit callback
        self::assertSame(['0 3'], $commits);
        $consumer->close();

        $next = $this->consumer($group);
        $next->subscribe([$topic]);
        self::assertSame([3], self::offsets(self::consumeKafka($next, 1)), 'the group resumes after the last returned message');
        $next->close();
    }

    public function testCloseAndDestructionStoreWhatWasReturned(): void
    {
        $topic = self::topicWithMessages('rdk-batch-close');
        $closed = self::uniqueName('rdk-batch-close-group');
        $consumer = $this->consumer($closed, ['enable.auto.commit' => 'true']);
        $consumer->subscribe([$topic]);
        self::assertCount(3, self::consumeKafka($consumer, 3));
        $consumer->close();
        self::assertSame([0 => 3], self::committedOffsets($closed, $topic, 1));

        $dropped = self::uniqueName('rdk-batch-destruct-group');
        $consumer = $this->consumer($dropped, ['enable.auto.commit' => 'true']);
        $consumer->subscribe([$topic]);
        self::assertCount(4, self::consumeKafka($consumer, 4));
        $consumer = null;
        self::assertSame([0 => 4], self::committedOffsets($dropped, $topic, 1));
    }

    public function testAPausedPartitionKeepsItsFetchedMessagesUntilResumed(): void
    {
        $topic = self::topicWithMessages('rdk-batch-pause');
        $consumer = $this->consumer(self::uniqueName('rdk-batch-pause-group'));
        $consumer->assign([new TopicPartition($topic, 0, RD_KAFKA_OFFSET_BEGINNING)]);
        self::assertSame([0, 1], self::offsets(self::consumeKafka($consumer, 2)));
        $consumer->pausePartitions([new TopicPartition($topic, 0)]);
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(300)->err, 'a paused partition delivered');
        self::assertSame(2, self::position($consumer, $topic));
        $consumer->resumePartitions([new TopicPartition($topic, 0)]);
        self::assertSame(range(2, self::N - 1), self::offsets(self::consumeKafka($consumer, self::N - 2)));
        $consumer->close();
    }

    public function testUnassignedPartitionsDropTheirFetchedMessages(): void
    {
        $topic = self::topicWithMessages('rdk-batch-unassign');
        $consumer = $this->consumer(self::uniqueName('rdk-batch-unassign-group'));
        $consumer->assign([new TopicPartition($topic, 0, RD_KAFKA_OFFSET_BEGINNING)]);
        self::assertSame([0, 1], self::offsets(self::consumeKafka($consumer, 2)));
        $consumer->assign(null);
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(300)->err, 'a message of an unassigned partition');
        $consumer->assign([new TopicPartition($topic, 0, 7)]);
        self::assertSame([7, 8, 9], self::offsets(self::consumeKafka($consumer, 3)), 'the new assignment starts where it says');

        $consumer->incrementalUnassign([new TopicPartition($topic, 0)]);
        $consumer->incrementalAssign([new TopicPartition($topic, 0, 4)]);
        self::assertSame([4, 5], self::offsets(self::consumeKafka($consumer, 2)));
        $consumer->close();
    }

    /** After a batch, the partition's end: the EOF entry names it and its end offset. */
    public function testPartitionEofFollowsTheBatch(): void
    {
        $topic = self::topicWithMessages('rdk-batch-eof');
        $consumer = $this->consumer(self::uniqueName('rdk-batch-eof-group'), ['enable.partition.eof' => 'true']);
        $consumer->subscribe([$topic]);
        self::assertCount(self::N, self::consumeKafka($consumer, self::N));
        $deadline = self::nowMs() + self::WAIT_MS;
        do {
            $eof = $consumer->consume(200);
        } while ($eof->err === RD_KAFKA_RESP_ERR__TIMED_OUT && self::nowMs() < $deadline);
        self::assertSame(RD_KAFKA_RESP_ERR__PARTITION_EOF, $eof->err);
        self::assertSame([$topic, 0, self::N], [$eof->topic_name, $eof->partition, $eof->offset]);
        $consumer->close();
    }

    /**
     * A consumer that has read part of its batch when a second one joins the group: between
     * them every message arrives exactly once (the first stores what it returned before the
     * rebalance commits, and what it fetched beyond that goes to whoever owns the partition).
     */
    public function testARebalanceLosesAndRepeatsNothing(): void
    {
        $topic = self::topicWithMessages('rdk-batch-rebalance', 2);
        $group = self::uniqueName('rdk-batch-rebalance-group');
        $settings = ['enable.auto.commit' => 'true', 'auto.commit.interval.ms' => '60000'];
        $first = $this->consumer($group, $settings);
        $first->subscribe([$topic]);
        $seen = [];
        foreach (self::consumeKafka($first, 3) as $m) {
            $seen[] = $m->partition . '@' . $m->offset;
        }
        $second = $this->consumer($group, $settings);
        $second->subscribe([$topic]);
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($seen) < 2 * self::N && self::nowMs() < $deadline) {
            foreach ([$first, $second] as $consumer) {
                $m = $consumer->consume(100);
                if ($m->err === RD_KAFKA_RESP_ERR_NO_ERROR) {
                    $seen[] = $m->partition . '@' . $m->offset;
                }
            }
        }
        $want = [];
        for ($p = 0; $p < 2; $p++) {
            for ($i = 0; $i < self::N; $i++) {
                $want[] = $p . '@' . $i;
            }
        }
        sort($seen);
        self::assertSame($want, $seen);
        $first->close();
        $second->close();
    }
}
