<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\InvalidStateException;
use KafkaBridge\Message;
use KafkaBridge\Offset;
use KafkaBridge\Producer;
use KafkaBridge\TopicPartition;

/**
 * Transactions against the real broker: committed messages reach read_committed consumers,
 * aborted ones never do, and consume-transform-produce commits the group's offsets inside the
 * transaction.
 */
final class TransactionsTest extends KafkaTestCase
{
    /**
     * Reads partition 0 from the start until the value "marker"; returns the values before it.
     *
     * @return array<int, string|null>
     */
    private static function readUntilMarker(string $topic, string $isolation): array
    {
        $consumer = new Consumer(self::config(['isolation.level' => $isolation]));
        $consumer->assign([new TopicPartition($topic, 0, Offset::BEGINNING)]);
        $values = [];
        $deadline = self::nowMs() + self::WAIT_MS;
        while (self::nowMs() < $deadline) {
            foreach ($consumer->pollBatch(200, 100) as $m) {
                self::assertFalse($m->isError(), (string) $m->getErrorText());
                if ($m->getValue() === 'marker') {
                    $consumer->close();

                    return $values;
                }
                $values[] = $m->getValue();
            }
        }
        self::fail('the marker never arrived');
    }

    /**
     * A transaction holding a message the broker refuses cannot commit: the exception carries
     * librdkafka's own requires-abort flag (kb_last_error_flags()), and abort works.
     */
    public function testCommitWithRefusedMessageRequiresAbort(): void
    {
        $topic = self::uniqueName('txn-small');
        self::createTopic($topic, 1, ['max.message.bytes' => '1000']);
        $producer = new Producer(self::config(['transactional.id' => self::uniqueName('txn-abort-id')]));
        $producer->initTransactions(self::WAIT_MS);
        $producer->beginTransaction();
        $producer->produce($topic, str_repeat('x', 5000));
        try {
            $producer->commitTransaction(self::WAIT_MS);
            self::fail('committed a message the broker refuses');
        } catch (\KafkaBridge\Exception\KafkaBridgeException $e) {
            self::assertTrue($e->transactionRequiresAbort(), $e->getMessage());
            self::assertFalse($e->isFatal());
        }
        $producer->abortTransaction(self::WAIT_MS);
        $producer->close();
    }

    public function testCommittedVisibleAbortedNever(): void
    {
        $topic = self::uniqueName('txn');
        self::createTopic($topic, 1);
        $producer = new Producer(self::config(['transactional.id' => self::uniqueName('txn-id')]));
        $producer->initTransactions(self::WAIT_MS);

        $producer->beginTransaction();
        $ids = [];
        foreach (['c0', 'c1', 'c2'] as $value) {
            $ids[] = $producer->produce($topic, $value, null, [], 0);
        }
        $producer->commitTransaction(self::WAIT_MS);
        self::awaitDeliveries($producer, $ids);

        $producer->beginTransaction();
        $ids = [];
        foreach (['a0', 'a1'] as $value) {
            $ids[] = $producer->produce($topic, $value, null, [], 0);
        }
        $producer->flush(self::WAIT_MS);
        self::awaitDeliveries($producer, $ids);
        $producer->abortTransaction(self::WAIT_MS);
        try {
            $producer->commitTransaction(self::WAIT_MS);
            self::fail('no exception');
        } catch (InvalidStateException $e) {
            self::assertSame(ErrorCode::STATE, $e->getCode());
        }

        $producer->beginTransaction();
        $ids = [$producer->produce($topic, 'marker', null, [], 0)];
        $producer->commitTransaction(self::WAIT_MS);
        self::awaitDeliveries($producer, $ids);
        $producer->close();

        self::assertSame(['c0', 'c1', 'c2'], self::readUntilMarker($topic, 'read_committed'));
        self::assertSame(['c0', 'c1', 'c2', 'a0', 'a1'], self::readUntilMarker($topic, 'read_uncommitted'));
    }

    public function testSendOffsetsCommitsGroupOffsetsWithTheTransaction(): void
    {
        $in = self::uniqueName('ctp-in');
        $out = self::uniqueName('ctp-out');
        self::createTopic($in, 1);
        self::createTopic($out, 1);
        $plain = new Producer(self::config());
        $ids = $plain->produceBatch([['value' => 'i0'], ['value' => 'i1'], ['value' => 'i2']], $in);
        $plain->flush(self::WAIT_MS);
        self::awaitDeliveries($plain, $ids);
        $plain->close();

        $consumer = new Consumer(self::config([
            'group.id' => self::uniqueName('ctp-group'),
            'auto.offset.reset' => 'earliest',
            'enable.auto.commit' => false,
            'isolation.level' => 'read_committed',
        ]));
        $consumer->subscribe([$in]);
        $producer = new Producer(self::config(['transactional.id' => self::uniqueName('ctp-id')]));
        $producer->initTransactions(self::WAIT_MS);

        $got = self::consume($consumer, 3);
        self::assertCount(3, $got);
        $producer->beginTransaction();
        $ids = [];
        foreach ($got as $m) {
            $ids[] = $producer->produce($out, 'out(' . $m->getValue() . ')', null, [], 0);
        }
        $producer->sendOffsetsToTransaction($consumer, [new TopicPartition($in, 0, $got[2]->getOffset() + 1)], self::WAIT_MS);
        $producer->commitTransaction(self::WAIT_MS);
        self::awaitDeliveries($producer, $ids);

        $committed = $consumer->committed([new TopicPartition($in, 0)], self::WAIT_MS);
        self::assertSame(3, $committed[0]->getOffset());
        $producer->close();
        $consumer->close();

        $reader = new Consumer(self::config(['isolation.level' => 'read_committed']));
        $reader->assign([new TopicPartition($out, 0, Offset::BEGINNING)]);
        self::assertSame(['out(i0)', 'out(i1)', 'out(i2)'], array_map(function (Message $m): ?string {
            return $m->getValue();
        }, self::consume($reader, 3)));
        $reader->close();
    }
}
