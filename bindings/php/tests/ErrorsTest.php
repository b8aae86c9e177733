<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Consumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\BatchProduceException;
use KafkaBridge\Exception\ExceptionInterface;
use KafkaBridge\Exception\InvalidArgumentException;
use KafkaBridge\Exception\InvalidStateException;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Exception\TimeoutException;
use KafkaBridge\Library;
use KafkaBridge\Producer;
use KafkaBridge\Purge;
use KafkaBridge\TopicPartition;

/**
 * Bad input gets exceptions that carry the kb_err code, its name and the library's message; the
 * closed and unclonable states are enforced. These need no broker: the producer points at a
 * closed port.
 *
 * @group brokerless
 */
final class ErrorsTest extends KafkaTestCase
{
    /** @var Producer|null */
    private $producer;

    protected function setUp(): void
    {
        $this->producer = new Producer(['bootstrap.servers' => '127.0.0.1:1', 'bridge.close.timeout.ms' => 500]);
    }

    protected function tearDown(): void
    {
        if ($this->producer !== null && !$this->producer->isClosed()) {
            // Purged messages get failed reports; drain them (bounded) so none is orphaned.
            $this->producer->purge(Purge::QUEUE | Purge::INFLIGHT);
            $deadline = self::nowMs() + 5000;
            while ($this->producer->queueLength() > 0 && self::nowMs() < $deadline) {
                $this->producer->pollEvents(50);
            }
            $this->producer->close();
        }
        $this->producer = null;
    }

    private function producer(): Producer
    {
        self::assertNotNull($this->producer);

        return $this->producer;
    }

    public function testErrorNamesAndPredicates(): void
    {
        self::assertSame('NO_ERROR', Library::errorName(0));
        self::assertSame('_TIMED_OUT', Library::errorName(ErrorCode::TIMED_OUT));
        self::assertSame('KB_ERR_INVALID_HANDLE', Library::errorName(ErrorCode::KB_INVALID_HANDLE));
        self::assertSame('UNKNOWN', Library::errorName(123456));
        self::assertStringContainsString('Timed out', Library::errorDescription(ErrorCode::TIMED_OUT));
        self::assertTrue(Library::isRetriable(ErrorCode::TIMED_OUT));
        self::assertFalse(Library::isRetriable(ErrorCode::KB_BAD_UTF8));
        self::assertTrue(Library::isFatal(ErrorCode::FATAL));
        self::assertFalse(Library::isFatal(ErrorCode::TIMED_OUT));
    }

    public function testBadTopicName(): void
    {
        try {
            $this->producer()->produce('a b', 'x');
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(KafkaBridgeException::class, get_class($e));
            self::assertInstanceOf(ExceptionInterface::class, $e);
            self::assertSame(ErrorCode::TOPIC_EXCEPTION, $e->getCode());
            self::assertSame('TOPIC_EXCEPTION', $e->getErrorName());
            self::assertStringContainsString('a-z', $e->getLibraryMessage());
            self::assertStringContainsString('kb_producer_produce', $e->getMessage());
            self::assertFalse($e->isRetriable());
        }
    }

    /**
     * Every string passed as a C char* is refused when it holds a NUL byte, naming the argument:
     * C would end it there and the library would silently use another, shorter name.
     */
    public function testNulInNamesIsRefusedNamingTheArgument(): void
    {
        $cases = [
            'topic name' => function (): void {
                $this->producer()->produce("real\0ignored", 'x');
            },
            'header name' => function (): void {
                $this->producer()->produce('t', 'x', null, [["h\0x", 'v']]);
            },
            'config key' => function (): void {
                new Producer(['bootstrap.servers' => '127.0.0.1:1', "linger.ms\0x" => 5]);
            },
            'config value of "transactional.id"' => function (): void {
                new Producer(['bootstrap.servers' => '127.0.0.1:1', 'transactional.id' => "tx\0other"]);
            },
            'config value of "group.id"' => function (): void {
                new Consumer(['bootstrap.servers' => '127.0.0.1:1', 'group.id' => "g\0other"]);
            },
        ];
        foreach ($cases as $argument => $call) {
            try {
                $call();
                self::fail($argument . ' with a NUL byte accepted');
            } catch (InvalidArgumentException $e) {
                self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode(), $argument);
                self::assertStringContainsString($argument, $e->getLibraryMessage());
                self::assertStringContainsString('NUL', $e->getLibraryMessage());
            }
        }
    }

    /** The flags of a failed call come from kb_last_error_flags(): a sync timeout is retriable. */
    public function testSyncProduceTimeoutIsRetriable(): void
    {
        try {
            $this->producer()->produceSync('t', 'x', null, [], -1, 0, 300);
            self::fail('delivered to no broker');
        } catch (TimeoutException $e) {
            self::assertTrue($e->isRetriable());
            self::assertFalse($e->isFatal());
            self::assertFalse($e->transactionRequiresAbort());
        }
    }

    /**
     * Integers for int32_t parameters are checked before the call: FFI would keep the low 32
     * bits only (4294967295 is -1, "any partition"; -2147483649 ms is a 24.8-day wait).
     */
    public function testIntegersOutsideInt32AreRefused(): void
    {
        $cases = [
            'partition' => function (): void {
                $this->producer()->produce('t', 'x', null, [], 4294967295);
            },
            'timeout_ms' => function (): void {
                $this->producer()->poll(-2147483649);
            },
        ];
        foreach ($cases as $argument => $call) {
            try {
                $call();
                self::fail($argument . ' outside int32_t accepted');
            } catch (InvalidArgumentException $e) {
                self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
                self::assertStringContainsString($argument, $e->getLibraryMessage());
                self::assertStringContainsString('32-bit', $e->getLibraryMessage());
            }
        }
        try {
            $this->producer()->produceSync('t', 'x', null, [], 0, 0, 2147483648);
            self::fail('timeout 2147483648 accepted');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString('2147483648', $e->getLibraryMessage());
        }
    }

    /**
     * The partitions in a TopicPartition list are int32_t fields of kb_topic_partition, which
     * FFI would cut to the low 32 bits as well (4294967297 would be partition 1): every call
     * taking a list refuses them before the call, naming the entry.
     */
    public function testPartitionsOutsideInt32InTopicPartitionListsAreRefused(): void
    {
        $consumer = new Consumer(['bootstrap.servers' => '127.0.0.1:1', 'group.id' => self::uniqueName('int32')]);
        $producer = $this->producer();
        foreach ([4294967297, -2147483649] as $partition) {
            $list = [new TopicPartition('t', 0, 5), new TopicPartition('t', $partition, 5)];
            $calls = [
                'assign' => static function () use ($consumer, $list): void {
                    $consumer->assign($list);
                },
                'incrementalAssign' => static function () use ($consumer, $list): void {
                    $consumer->incrementalAssign($list);
                },
                'incrementalUnassign' => static function () use ($consumer, $list): void {
                    $consumer->incrementalUnassign($list);
                },
                'commit' => static function () use ($consumer, $list): void {
                    $consumer->commit($list);
                },
                'committed' => static function () use ($consumer, $list): void {
                    $consumer->committed($list, 1000);
                },
                'pause' => static function () use ($consumer, $list): void {
                    $consumer->pause($list);
                },
                'resume' => static function () use ($consumer, $list): void {
                    $consumer->resume($list);
                },
                'offsetsForTimes' => static function () use ($consumer, $list): void {
                    $consumer->offsetsForTimes($list, 1000);
                },
                'sendOffsetsToTransaction' => static function () use ($producer, $consumer, $list): void {
                    $producer->sendOffsetsToTransaction($consumer, $list, 1000);
                },
            ];
            foreach ($calls as $call => $run) {
                try {
                    $run();
                    self::fail($call . ' accepted partition ' . $partition);
                } catch (InvalidArgumentException $e) {
                    self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode(), $call);
                    self::assertStringContainsString('partition of entry 1', $e->getLibraryMessage(), $call);
                    self::assertStringContainsString('32-bit', $e->getLibraryMessage(), $call);
                    self::assertStringContainsString((string) $partition, $e->getLibraryMessage(), $call);
                }
            }
        }
        self::assertSame([], $consumer->assignment(), 'the refused assign() assigned nothing');
        $consumer->close();
    }

    public function testNulInTopicNameIsRefused(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionCode(ErrorCode::KB_INVALID_ARGUMENT);
        $this->producer()->produce("ok\0bad", 'x');
    }

    public function testNegativeTimeout(): void
    {
        try {
            $this->producer()->poll(-1);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
            self::assertSame('KB_ERR_INVALID_ARGUMENT', $e->getErrorName());
            self::assertStringContainsString('timeout_ms', $e->getLibraryMessage());
        }
        $this->expectException(InvalidArgumentException::class);
        $this->producer()->flush(-3);
    }

    public function testBadPartitionAndTimestamp(): void
    {
        try {
            $this->producer()->produce('t', 'x', null, [], -5);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString('partition', $e->getLibraryMessage());
        }
        $this->expectException(InvalidArgumentException::class);
        $this->producer()->produce('t', 'x', null, [], -1, -7);
    }

    public function testOversizedMessage(): void
    {
        $this->expectExceptionCode(ErrorCode::MSG_SIZE_TOO_LARGE);
        $this->producer()->produce('t', str_repeat("\0", 2 * 1024 * 1024));
    }

    public function testUnreachableBrokerTimesOutRetriably(): void
    {
        try {
            $this->producer()->produceSync('t', 'x', null, [], -1, 0, 300);
            self::fail('no exception');
        } catch (TimeoutException $e) {
            self::assertSame(ErrorCode::TIMED_OUT, $e->getCode());
            self::assertSame('_TIMED_OUT', $e->getErrorName());
            self::assertTrue($e->isRetriable());
            self::assertFalse($e->isFatal());
        }
    }

    public function testBatchStopsAtTheBadRecordAndSaysWhich(): void
    {
        try {
            $this->producer()->produceBatch([['value' => 'a'], ['value' => 'b'], ['topic' => 'bad topic', 'value' => 'c'], ['value' => 'd']], 't');
            self::fail('no exception');
        } catch (BatchProduceException $e) {
            self::assertSame(ErrorCode::TOPIC_EXCEPTION, $e->getCode());
            self::assertSame(2, $e->getFailedIndex());
            self::assertCount(2, $e->getAcceptedIds());
            self::assertLessThan($e->getAcceptedIds()[1], $e->getAcceptedIds()[0]);
            self::assertStringContainsString('record 2', $e->getLibraryMessage());
            self::assertInstanceOf(KafkaBridgeException::class, $e->getPrevious());
        }
    }

    public function testBatchRecordShapeIsChecked(): void
    {
        try {
            $this->producer()->produceBatch([['valeu' => 'typo']], 't');
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString('valeu', $e->getMessage());
        }
        $this->expectException(\TypeError::class);
        $this->producer()->produceBatch([['value' => 5]], 't');
    }

    public function testBadHeadersAreTypeErrors(): void
    {
        $this->expectException(\TypeError::class);
        $this->producer()->produce('t', 'x', null, ['h' => 5]);
    }

    public function testClosedProducerIsInvalidState(): void
    {
        $producer = $this->producer();
        $producer->close();
        $producer->close(); // a second close is a no-op
        self::assertTrue($producer->isClosed());
        try {
            $producer->produce('t', 'x');
            self::fail('no exception');
        } catch (InvalidStateException $e) {
            self::assertSame(ErrorCode::KB_INVALID_STATE, $e->getCode());
            self::assertStringContainsString('producer is closed', $e->getMessage());
        }
    }

    public function testConsumerWithoutGroupCannotSubscribe(): void
    {
        $consumer = new Consumer(['bootstrap.servers' => '127.0.0.1:1']);
        try {
            $consumer->subscribe(['t']);
            self::fail('no exception');
        } catch (InvalidStateException $e) {
            self::assertSame(ErrorCode::KB_INVALID_STATE, $e->getCode());
            self::assertStringContainsString('group.id', $e->getLibraryMessage());
        }
        $consumer->close();
        $this->expectException(InvalidStateException::class);
        $consumer->poll(0);
    }

    public function testTransactionsWithoutTransactionalId(): void
    {
        try {
            $this->producer()->initTransactions(1000);
            self::fail('no exception');
        } catch (KafkaBridgeException $e) {
            self::assertSame(ErrorCode::NOT_CONFIGURED, $e->getCode());
            self::assertStringContainsString('transactional.id', $e->getLibraryMessage());
        }
    }

    public function testClientsCannotBeCloned(): void
    {
        $this->expectException(\Error::class);
        $this->expectExceptionMessage('__clone');
        $copy = clone $this->producer();
        unset($copy);
    }
}
