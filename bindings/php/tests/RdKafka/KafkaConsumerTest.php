<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use RdKafka\Exception;
use RdKafka\KafkaConsumer;
use RdKafka\Message;
use RdKafka\TopicPartition;

/**
 * RdKafka\KafkaConsumer on kafkabridge against the real broker: group subscription with the
 * customary rebalance callback that calls assign(), commits in every form, the offset commit
 * callback, and the partition queries.
 */
final class KafkaConsumerTest extends RdKafkaTestCase
{
    /**
     * @param TopicPartition[]|null $partitions
     *
     * @return array<int, string> "topic:partition@offset"
     */
    private static function describe(?array $partitions): array
    {
        $out = [];
        foreach ($partitions === null ? [] : $partitions as $tp) {
            $out[] = $tp->getTopic() . ':' . $tp->getPartition() . '@' . $tp->getOffset();
        }
        sort($out);

        return $out;
    }

    /**
     * @param Message[] $messages
     *
     * @return array<int, string>
     */
    private static function payloads(array $messages): array
    {
        $out = array_map(static function (Message $m): string {
            return (string) $m->payload;
        }, $messages);
        sort($out);

        return $out;
    }

    public function testSubscribeConsumeCommitWithRebalanceCallbackThatAssigns(): void
    {
        $name = self::uniqueName('rdk-kc');
        self::createTopic($name, 2);
        self::produceNative($name, [[0, 'a0'], [0, 'a1'], [0, 'a2'], [1, 'b0'], [1, 'b1'], [1, 'b2']]);
        $group = self::uniqueName('rdk-kc-group');

        $rebalances = [];
        $commits = [];
        $conf = $this->conf(['group.id' => $group, 'auto.offset.reset' => 'earliest', 'enable.auto.commit' => 'false']);
        $conf->setRebalanceCb(function (KafkaConsumer $kafka, int $err, ?array $partitions = null) use (&$rebalances): void {
            $rebalances[] = [$err, self::describe($partitions)];
            switch ($err) {
                case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                    $kafka->assign($partitions);
                    break;
                case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                    $kafka->assign(null);
                    break;
                default:
                    throw new \RuntimeException('unexpected rebalance error ' . $err);
            }
        });
        $conf->setOffsetCommitCb(function ($kafka, int $err, array $partitions) use (&$commits): void {
            $commits[] = [$err, self::describe($partitions)];
        });
        $consumer = new KafkaConsumer($conf);
        $consumer->subscribe([$name]);
        self::assertSame([$name], $consumer->getSubscription());

        $messages = self::consumeKafka($consumer, 6);
        self::assertSame(['a0', 'a1', 'a2', 'b0', 'b1', 'b2'], self::payloads($messages), 'every message once: the assign() in the callback did not rewind');
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(300)->err, 'and nothing twice');
        self::assertSame([[RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, [$name . ':0@-1001', $name . ':1@-1001']]], $rebalances);
        $assignment = $consumer->getAssignment();
        self::assertSame([$name . ':0', $name . ':1'], array_map(static function (string $tp): string {
            return (string) strstr($tp, '@', true);
        }, self::describe($assignment)));
        self::assertContains($assignment[0]->getOffset(), [-1001, RD_KAFKA_OFFSET_STORED], 'a logical "committed offset"');

        // commit(Message): the offset after it, for its partition.
        $last = [];
        foreach ($messages as $message) {
            $last[$message->partition] = $message;
        }
        $consumer->commit($last[0]);
        self::assertSame([$name . ':0@3', $name . ':1@-1001'], self::describe($consumer->getCommittedOffsets([new TopicPartition($name, 0), new TopicPartition($name, 1)], self::WAIT_MS)));
        // commit(TopicPartition[]).
        $consumer->commit([new TopicPartition($name, 1, 2)]);
        self::assertSame([$name . ':0@3', $name . ':1@2'], self::describe($consumer->getCommittedOffsets([new TopicPartition($name, 0), new TopicPartition($name, 1)], self::WAIT_MS)));
        // commit(): the stored offsets, the positions after the consumed messages.
        $consumer->commit();
        self::assertSame([$name . ':0@3', $name . ':1@3'], self::describe($consumer->getCommittedOffsets([new TopicPartition($name, 0), new TopicPartition($name, 1)], self::WAIT_MS)));
        self::assertSame([$name . ':0@3', $name . ':1@3', $name . ':7@-1001'], self::describe($consumer->getOffsetPositions([new TopicPartition($name, 0), new TopicPartition($name, 1), new TopicPartition($name, 7)])));

        // The synchronous commits reach the offset commit callback at the next consume().
        self::assertSame([], $commits);
        $consumer->consume(0);
        self::assertSame([
            [0, [$name . ':0@3']],
            [0, [$name . ':1@2']],
            [0, [$name . ':0@3', $name . ':1@3']],
        ], $commits);

        // commitAsync(): the result comes through the callback.
        $commits = [];
        $consumer->commitAsync([new TopicPartition($name, 0, 1)]);
        $deadline = self::nowMs() + self::WAIT_MS;
        while ($commits === [] && self::nowMs() < $deadline) {
            $consumer->consume(100);
        }
        self::assertSame([[0, [$name . ':0@1']]], $commits);

        try {
            $consumer->commit('not offsets');
            self::fail('a string accepted as offsets');
        } catch (\TypeError $e) {
            self::assertStringContainsString('message_or_offsets', $e->getMessage());
        }
        try {
            $consumer->commit([new \stdClass()]);
            self::fail('a stdClass accepted as a TopicPartition');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('RdKafka\\TopicPartition', $e->getMessage());
        }

        $consumer->close();
        $ref = \WeakReference::create($conf);
        unset($conf);
        self::assertNull($ref->get());
        try {
            $consumer->consume(0);
            self::fail('consume() after close()');
        } catch (Exception $e) {
            self::assertStringContainsString('closed', $e->getMessage());
        }

        // The group resumes from its commits: offset 1 on partition 0 (the async commit), 3 on 1.
        self::produceNative($name, [[1, 'b3']]);
        $again = new KafkaConsumer($this->conf(['group.id' => $group, 'auto.offset.reset' => 'earliest']));
        $again->subscribe([$name]);
        self::assertSame(['a1', 'a2', 'b3'], self::payloads(self::consumeKafka($again, 3)));
        $again->close();
        $ref = \WeakReference::create($consumer);
        unset($consumer);
        self::assertNull($ref->get(), 'destroyed at once: no reference cycle');
    }

    /**
     * A rebalance callback that assigns explicit offsets (here: from the beginning, although the
     * group committed further) gets them; nothing fetched from the committed position slips
     * through.
     */
    /**
     * bridge.persistent.name in the Conf: the next KafkaConsumer object is a session of the same
     * group member and continues after the messages the first one returned, although that one
     * had fetched a whole batch (what it fetched but did not return is handed out again).
     */
    public function testPersistentNameContinuesAfterWhatTheLastObjectReturned(): void
    {
        $name = self::uniqueName('rdk-kc-persistent');
        self::createTopic($name, 1);
        self::produceMany($name, 0, 10, 'p');
        $settings = ['group.id' => self::uniqueName('rdk-kc-group'), 'auto.offset.reset' => 'earliest', 'bridge.persistent.name' => self::uniqueName('member')];
        $read = function (int $want) use ($name, $settings): array {
            $consumer = new KafkaConsumer($this->conf($settings));
            $consumer->subscribe([$name]);
            $values = [];
            $deadline = self::nowMs() + self::WAIT_MS;
            while (count($values) < $want && self::nowMs() < $deadline) {
                $message = $consumer->consume(200);
                if ($message->err === RD_KAFKA_RESP_ERR_NO_ERROR) {
                    $values[] = $message->payload;
                }
            }

            return $values; // the consumer object goes here: the session ends
        };
        self::assertSame(['p0', 'p1', 'p2'], $read(3));
        self::assertSame(['p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'], $read(7));
    }

    public function testRebalanceCallbackWithExplicitOffsetsIsApplied(): void
    {
        $name = self::uniqueName('rdk-kc-seek');
        self::createTopic($name, 1);
        self::produceNative($name, [[0, 'x0'], [0, 'x1'], [0, 'x2'], [0, 'x3']]);
        $group = self::uniqueName('rdk-kc-seek-group');
        $first = new KafkaConsumer($this->conf(['group.id' => $group, 'auto.offset.reset' => 'earliest']));
        $first->subscribe([$name]);
        self::consumeKafka($first, 4);
        $first->commit([new TopicPartition($name, 0, 3)]);
        $first->close();

        $conf = $this->conf(['group.id' => $group]);
        $conf->setRebalanceCb(function (KafkaConsumer $kafka, int $err, ?array $partitions = null): void {
            if ($err === RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                foreach ($partitions as $tp) {
                    $tp->setOffset(RD_KAFKA_OFFSET_BEGINNING);
                }
                $kafka->assign($partitions);
            } else {
                $kafka->assign(null);
            }
        });
        $consumer = new KafkaConsumer($conf);
        $consumer->subscribe([$name]);
        $messages = self::consumeKafka($consumer, 4);
        self::assertSame([0, 1, 2, 3], array_map(static function (Message $m): int {
            return $m->offset;
        }, $messages));
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(300)->err);
        $consumer->close();
    }

    /**
     * Cooperative rebalancing with a callback that uses incrementalAssign()/incrementalUnassign(),
     * and a revocation on unsubscribe().
     */
    public function testCooperativeRebalanceWithIncrementalCalls(): void
    {
        $name = self::uniqueName('rdk-kc-coop');
        self::createTopic($name, 2);
        self::produceNative($name, [[0, 'c0'], [1, 'c1']]);
        $rebalances = [];
        $conf = $this->conf([
            'group.id' => self::uniqueName('rdk-kc-coop-group'),
            'auto.offset.reset' => 'earliest',
            'partition.assignment.strategy' => 'cooperative-sticky',
        ]);
        $conf->setRebalanceCb(function (KafkaConsumer $kafka, int $err, ?array $partitions = null) use (&$rebalances): void {
            $rebalances[] = [$err, self::describe($partitions)];
            if ($err === RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                $kafka->incrementalAssign($partitions);
            } else {
                $kafka->incrementalUnassign($partitions);
            }
        });
        $consumer = new KafkaConsumer($conf);
        $consumer->subscribe([$name]);
        self::assertSame(['c0', 'c1'], self::payloads(self::consumeKafka($consumer, 2)));
        self::assertSame([[RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, [$name . ':0@-1001', $name . ':1@-1001']]], $rebalances);
        self::assertCount(2, $consumer->getAssignment());

        $consumer->unsubscribe();
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($rebalances) < 2 && self::nowMs() < $deadline) {
            $consumer->consume(100);
        }
        self::assertSame([RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, [$name . ':0@-1001', $name . ':1@-1001']], $rebalances[1]);
        self::assertSame([], $consumer->getAssignment());
        self::assertSame([], $consumer->getSubscription());
        $consumer->close();
    }

    public function testQueriesPauseAndOffsetStore(): void
    {
        $name = self::uniqueName('rdk-kc-q');
        self::createTopic($name, 2);
        self::produceNative($name, [[0, 'q0'], [0, 'q1'], [1, 'r0']]);
        $group = self::uniqueName('rdk-kc-q-group');
        $consumer = new KafkaConsumer($this->conf([
            'group.id' => $group,
            'auto.offset.reset' => 'earliest',
            'enable.auto.offset.store' => 'false',
            'enable.auto.commit' => 'false',
        ]));
        $consumer->queryWatermarkOffsets($name, 0, $low, $high, self::WAIT_MS);
        self::assertSame([0, 2], [$low, $high]);
        $times = $consumer->offsetsForTimes([new TopicPartition($name, 0, 0)], self::WAIT_MS);
        self::assertSame(0, $times[0]->getOffset());
        $topic = $consumer->newTopic($name);
        $md = $consumer->getMetadata(false, $topic, self::WAIT_MS);
        self::assertCount(1, $md->getTopics());
        self::assertCount(2, $md->getTopics()->current()->getPartitions());

        // Manual assignment with partition 1 paused: only partition 0's messages come.
        $consumer->assign([new TopicPartition($name, 0, RD_KAFKA_OFFSET_BEGINNING), new TopicPartition($name, 1, RD_KAFKA_OFFSET_BEGINNING)]);
        $paused = $consumer->pausePartitions([new TopicPartition($name, 1)]);
        self::assertSame(0, $paused[0]->getErr());
        self::assertSame(['q0', 'q1'], self::payloads(self::consumeKafka($consumer, 2)));
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(300)->err);
        $consumer->resumePartitions([new TopicPartition($name, 1)]);
        self::assertSame(['r0'], self::payloads(self::consumeKafka($consumer, 1)));

        // offsetStore(): the offset after the processed message is what commit() commits.
        try {
            $consumer->commit();
            self::fail('committed with nothing stored');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__NO_OFFSET, $e->getCode());
        }
        $topic->offsetStore(0, 0);
        $consumer->commit();
        self::assertSame([$name . ':0@1'], self::describe($consumer->getCommittedOffsets([new TopicPartition($name, 0)], self::WAIT_MS)));
        $consumer->assign(null);
        self::assertSame([], $consumer->getAssignment());
        $consumer->close();
    }
}
