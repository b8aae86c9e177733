<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Admin;
use KafkaBridge\CommitEvent;
use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\InvalidStateException;
use KafkaBridge\GroupInfo;
use KafkaBridge\Message;
use KafkaBridge\Offset;
use KafkaBridge\Producer;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\TopicPartition;

/**
 * The consumer against the real broker: group subscription with rebalance events and commits,
 * manual assignment with seek/position/pause/resume, stored offsets, partition EOF and
 * offsets for timestamps.
 */
final class ConsumerTest extends KafkaTestCase
{
    /**
     * Produces values "$prefix-$i" to one partition and waits for every report; returns them.
     *
     * @return string[]
     */
    private static function produceValues(string $topic, int $partition, string $prefix, int $first, int $count, int $timestampMs = 0): array
    {
        $producer = new Producer(self::config(['linger.ms' => 5]));
        $values = [];
        $records = [];
        for ($i = $first; $i < $first + $count; $i++) {
            $values[] = $prefix . '-' . $i;
            $records[] = ['value' => $prefix . '-' . $i, 'partition' => $partition, 'timestampMs' => $timestampMs === 0 ? 0 : $timestampMs + $i * 1000];
        }
        $ids = $producer->produceBatch($records, $topic);
        $producer->flush(self::WAIT_MS);
        foreach (self::awaitDeliveries($producer, $ids) as $report) {
            self::assertTrue($report->isDelivered(), (string) $report->getErrorText());
        }
        $producer->close();

        return $values;
    }

    /**
     * @param Message[] $messages
     *
     * @return array<int, string|null>
     */
    private static function values(array $messages): array
    {
        return array_map(function (Message $m): ?string {
            return $m->getValue();
        }, $messages);
    }

    public function testGroupSubscribeRebalanceAndCommits(): void
    {
        $topic = self::uniqueName('group');
        $group = self::uniqueName('group-id');
        self::createTopic($topic, 2);
        self::produceValues($topic, 0, 'g', 0, 4);
        self::produceValues($topic, 1, 'g', 4, 4);

        $consumer = new Consumer(self::config(['group.id' => $group, 'auto.offset.reset' => 'earliest', 'enable.auto.commit' => false]));
        $consumer->subscribe([$topic]);
        self::assertSame([$topic], $consumer->subscription());
        $messages = self::consume($consumer, 8);
        self::assertCount(8, $messages);
        $values = self::values($messages);
        sort($values);
        self::assertSame(['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5', 'g-6', 'g-7'], $values);

        // The join was reported as a rebalance event naming both partitions, and is the assignment.
        $assigned = [];
        foreach ($consumer->events(0) as $event) {
            if ($event instanceof RebalanceEvent && $event->isAssign()) {
                foreach ($event->getPartitions() as $tp) {
                    self::assertSame($topic, $tp->getTopic());
                    $assigned[] = $tp->getPartition();
                }
            }
        }
        sort($assigned);
        self::assertSame([0, 1], $assigned);
        $assignment = array_map(function (TopicPartition $tp): int {
            return $tp->getPartition();
        }, $consumer->assignment());
        sort($assignment);
        self::assertSame([0, 1], $assignment);

        // The group is listed with its member.
        $groups = $consumer->listGroups($group, self::WAIT_MS);
        self::assertCount(1, $groups);
        self::assertSame($group, $groups[0]->getName());
        self::assertSame('consumer', $groups[0]->getProtocolType());
        self::assertSame(1, $groups[0]->getMemberCount());
        $admin = new Admin(self::config());
        self::assertContains($group, array_map(function (GroupInfo $g): string {
            return $g->getName();
        }, $admin->listGroups(null, self::WAIT_MS)));
        $admin->close();

        // Sync commit of an explicit offset, then an async commitMessage whose result is an event.
        $consumer->commit([new TopicPartition($topic, 0, 2, "meta\0data")]);
        $committed = $consumer->committed([new TopicPartition($topic, 0)], self::WAIT_MS);
        self::assertSame(2, $committed[0]->getOffset());
        self::assertSame("meta\0data", $committed[0]->getMetadata());

        $last = null;
        foreach ($messages as $m) {
            if ($m->getPartition() === 1 && ($last === null || $m->getOffset() > $last->getOffset())) {
                $last = $m;
            }
        }
        self::assertNotNull($last);
        $consumer->commitMessage($last, true);
        $commitEvent = null;
        $deadline = self::nowMs() + self::WAIT_MS;
        while ($commitEvent === null && self::nowMs() < $deadline) {
            self::assertNull($consumer->poll(100), 'everything was consumed already');
            foreach ($consumer->events(0) as $event) {
                if ($event instanceof CommitEvent) {
                    $commitEvent = $event;
                }
            }
        }
        self::assertNotNull($commitEvent, 'the async commit reported its result');
        self::assertSame(0, $commitEvent->getErr());
        self::assertSame($topic, $commitEvent->getPartitions()[0]->getTopic());
        self::assertSame(1, $commitEvent->getPartitions()[0]->getPartition());
        self::assertSame(4, $commitEvent->getPartitions()[0]->getOffset());

        // Committing the stored offsets (everything consumed) moves partition 0 to its end.
        $consumer->commit();
        $committed = $consumer->committed(null, self::WAIT_MS);
        self::assertCount(2, $committed);
        foreach ($committed as $tp) {
            self::assertSame(4, $tp->getOffset(), (string) $tp);
        }
        $consumer->unsubscribe();
        $consumer->close();

        // A new member of the group resumes after the commit: nothing left, two new arrive.
        self::produceValues($topic, 0, 'g', 100, 2);
        $again = new Consumer(self::config(['group.id' => $group, 'auto.offset.reset' => 'earliest']));
        $again->subscribe([$topic]);
        self::assertSame(['g-100', 'g-101'], self::values(self::consume($again, 2)));
        $again->close();
    }

    /**
     * Consumer::persistent(): the second session reuses the member (no new join), is handed what
     * the member prefetched, continuing after the first session's messages (committed when it
     * closed); a second open session of the same member is refused.
     */
    public function testPersistentSessionsContinueWhereTheLastOneCommitted(): void
    {
        $topic = self::uniqueName('persistent-consumer');
        self::createTopic($topic);
        $values = self::produceValues($topic, 0, 'p', 0, 12);
        $config = self::config(['group.id' => self::uniqueName('group'), 'auto.offset.reset' => 'earliest']);
        $name = self::uniqueName('reader');

        $first = Consumer::persistent($name, $config);
        $first->subscribe([$topic]);
        self::assertSame(array_slice($values, 0, 4), self::values(self::consume($first, 4)));
        try {
            Consumer::persistent($name, $config);
            self::fail('a second session of the member opened while the first one was open');
        } catch (InvalidStateException $e) {
            self::assertStringContainsString('in use by another handle', $e->getMessage());
        }
        $first->close();

        $second = Consumer::persistent($name, $config);
        $second->subscribe([$topic]);
        $info = $second->info();
        self::assertTrue($info->isPersistent());
        self::assertTrue($info->isReused());
        self::assertSame(1, $info->getSessionsServed());
        self::assertSame(array_slice($values, 4), self::values(self::consume($second, 8)));
        $second->close();
    }

    public function testManualAssignmentSeekPositionPauseResume(): void
    {
        $topic = self::uniqueName('manual');
        self::createTopic($topic, 2);
        self::produceValues($topic, 0, 'p0', 0, 5);
        self::produceValues($topic, 1, 'p1', 0, 5);

        $consumer = new Consumer(self::config());
        $p0 = new TopicPartition($topic, 0, Offset::BEGINNING);
        $p1 = new TopicPartition($topic, 1, Offset::BEGINNING);
        $consumer->assign([$p0]);
        self::assertSame(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4'], self::values(self::consume($consumer, 5)));
        $position = $consumer->position();
        self::assertCount(1, $position);
        self::assertSame(5, $position[0]->getOffset());

        $consumer->seek($topic, 0, 2, self::WAIT_MS);
        $next = self::consume($consumer, 1);
        self::assertSame(2, $next[0]->getOffset());
        self::assertSame('p0-2', $next[0]->getValue());

        // Paused: nothing of partition 0 arrives within a bounded wait, though messages are there.
        $consumer->pause([$p0]);
        self::produceValues($topic, 0, 'p0', 5, 2);
        $deadline = self::nowMs() + 1500;
        while (self::nowMs() < $deadline) {
            self::assertSame([], $consumer->pollBatch(100, 10), 'a paused partition delivered');
        }
        $consumer->resume([$p0]);
        self::assertSame(['p0-3', 'p0-4', 'p0-5', 'p0-6'], self::values(self::consume($consumer, 4)));

        $consumer->incrementalAssign([$p1]);
        self::assertCount(2, $consumer->assignment());
        $fromP1 = self::consume($consumer, 5);
        self::assertSame(['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4'], self::values($fromP1));
        $consumer->incrementalUnassign([$p1]);
        self::assertCount(1, $consumer->assignment());
        $consumer->assign([]);
        self::assertSame([], $consumer->assignment());

        // Without group.id there is nothing to commit to.
        try {
            $consumer->commit();
            self::fail('no exception');
        } catch (InvalidStateException $e) {
            self::assertStringContainsString('group.id', $e->getMessage());
        }
        // Seeking a partition that is not assigned is librdkafka's _STATE.
        try {
            $consumer->seek($topic, 1, 0, 5000);
            self::fail('no exception');
        } catch (InvalidStateException $e) {
            self::assertSame(ErrorCode::STATE, $e->getCode());
        }
        $consumer->close();
    }

    public function testStoredOffsetIsWhatCommitCommits(): void
    {
        $topic = self::uniqueName('store');
        self::createTopic($topic, 1);
        self::produceValues($topic, 0, 's', 0, 5);
        $consumer = new Consumer(self::config([
            'group.id' => self::uniqueName('store-group'),
            'enable.auto.commit' => false,
            'enable.auto.offset.store' => false,
        ]));
        $consumer->assign([new TopicPartition($topic, 0, Offset::BEGINNING)]);
        self::assertCount(5, self::consume($consumer, 5));
        $consumer->storeOffset($topic, 0, 3);
        $consumer->commit();
        self::assertSame(3, $consumer->committed(null, self::WAIT_MS)[0]->getOffset());
        $consumer->close();
    }

    public function testPartitionEofArrivesAsAnErrorMessage(): void
    {
        $topic = self::uniqueName('eof');
        self::createTopic($topic, 1);
        self::produceValues($topic, 0, 'e', 0, 2);
        $consumer = new Consumer(self::config(['enable.partition.eof' => true]));
        $consumer->assign([new TopicPartition($topic, 0, Offset::BEGINNING)]);
        $seen = 0;
        $eof = null;
        $deadline = self::nowMs() + self::WAIT_MS;
        while ($eof === null && self::nowMs() < $deadline) {
            $m = $consumer->poll(100);
            if ($m === null) {
                continue;
            }
            if ($m->isError()) {
                $eof = $m;
            } else {
                self::assertSame($seen++, $m->getOffset());
            }
        }
        self::assertNotNull($eof);
        self::assertSame(2, $seen);
        self::assertTrue($eof->isPartitionEof());
        self::assertSame(ErrorCode::PARTITION_EOF, $eof->getErr());
        self::assertNotEmpty($eof->getErrorText());
        self::assertSame(0, $eof->getPartition());
        self::assertSame($topic, $eof->getTopic());
        self::assertSame(2, $eof->getOffset());
        $consumer->close();
    }

    public function testOffsetsForTimes(): void
    {
        $topic = self::uniqueName('times');
        self::createTopic($topic, 1);
        $base = (int) (microtime(true) * 1000) - 600000;
        self::produceValues($topic, 0, 't', 0, 3, $base); // timestamps base, base+1000, base+2000
        $consumer = new Consumer(self::config());
        $answer = $consumer->offsetsForTimes([new TopicPartition($topic, 0, $base + 1000)], self::WAIT_MS);
        self::assertCount(1, $answer);
        self::assertSame(1, $answer[0]->getOffset());
        $answer = $consumer->offsetsForTimes([new TopicPartition($topic, 0, $base + 500000)], self::WAIT_MS);
        self::assertSame(Offset::END, $answer[0]->getOffset());
        $consumer->close();
    }
}
