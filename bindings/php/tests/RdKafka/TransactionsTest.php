<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use RdKafka\Exception;
use RdKafka\KafkaConsumer;
use RdKafka\KafkaErrorException;
use RdKafka\Message;
use RdKafka\Producer;
use RdKafka\TopicConf;

/**
 * The transactional RdKafka\Producer on kafkabridge against the real broker: committed
 * messages are visible to read_committed consumers, aborted ones are not, and misuse raises
 * KafkaErrorException as in php-rdkafka.
 */
final class TransactionsTest extends RdKafkaTestCase
{
    public function testCommittedAreVisibleAbortedAreNot(): void
    {
        $name = self::uniqueName('rdk-txn');
        self::createTopic($name, 1);
        $reports = [];
        $conf = $this->conf(['transactional.id' => self::uniqueName('rdk-txn-id')]);
        $conf->setDrMsgCb(function ($kafka, Message $message) use (&$reports): void {
            $reports[] = [$message->err, $message->payload];
        });
        $producer = new Producer($conf);
        $topic = $producer->newTopic($name);
        $producer->initTransactions(self::WAIT_MS);

        $producer->beginTransaction();
        $topic->produce(0, 0, 'committed-1');
        $topic->produce(0, 0, 'committed-2');
        $producer->commitTransaction(self::WAIT_MS);

        $producer->beginTransaction();
        $topic->produce(0, 0, 'aborted');
        $producer->abortTransaction(self::WAIT_MS);

        $producer->beginTransaction();
        $topic->produce(0, 0, 'committed-3');
        $producer->commitTransaction(self::WAIT_MS);
        self::assertSame(0, $producer->flush(self::WAIT_MS));
        self::assertCount(4, $reports);
        self::assertSame([0, 'committed-1'], $reports[0]);
        self::assertSame([0, 'committed-2'], $reports[1]);
        self::assertSame('aborted', $reports[2][1]);
        self::assertContains($reports[2][0], [0, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT]);
        self::assertSame([0, 'committed-3'], $reports[3]);

        $consumer = new KafkaConsumer($this->conf([
            'group.id' => self::uniqueName('rdk-txn-group'),
            'auto.offset.reset' => 'earliest',
            'isolation.level' => 'read_committed',
        ]));
        $consumer->subscribe([$name]);
        $payloads = array_map(static function (Message $m): string {
            return (string) $m->payload;
        }, self::consumeKafka($consumer, 3));
        self::assertSame(['committed-1', 'committed-2', 'committed-3'], $payloads);
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, $consumer->consume(500)->err, 'the aborted message stays invisible');
        $consumer->close();
    }

    /**
     * A transaction holding a message the broker refuses: commitTransaction() throws a
     * KafkaErrorException whose transactionRequiresAbort() is librdkafka's own flag; abort works.
     */
    public function testCommitWithRefusedMessageRequiresAbort(): void
    {
        $name = self::uniqueName('rdk-txn-small');
        self::createTopic($name, 1, ['max.message.bytes' => '1000']);
        $producer = new Producer($this->conf(['transactional.id' => self::uniqueName('rdk-txn-abort-id')]));
        $topic = $producer->newTopic($name);
        $producer->initTransactions(self::WAIT_MS);
        $producer->beginTransaction();
        $topic->produce(0, 0, str_repeat('x', 5000));
        try {
            $producer->commitTransaction(self::WAIT_MS);
            self::fail('committed a message the broker refuses');
        } catch (KafkaErrorException $e) {
            self::assertTrue($e->transactionRequiresAbort(), $e->getErrorString());
            self::assertFalse($e->isFatal());
        }
        $producer->abortTransaction(self::WAIT_MS);
    }

    /**
     * A topic name with a NUL byte is refused, not cut short to the part before it.
     *
     * @group brokerless
     */
    public function testTopicWithNulIsRefused(): void
    {
        $producer = new Producer($this->clusterConf());
        try {
            $producer->newTopic("real\0ignored")->produce(RD_KAFKA_PARTITION_UA, 0, 'x');
            self::fail('a topic name with a NUL byte accepted');
        } catch (Exception $e) {
            self::assertSame(\KafkaBridge\ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
            self::assertStringContainsString('topic name', $e->getMessage());
        }
    }

    /** @group brokerless */
    public function testMisuseRaisesKafkaErrorException(): void
    {
        $producer = new Producer($this->clusterConf());
        try {
            $line = __LINE__ + 1;
            $producer->initTransactions(5000);
            self::fail('transactions without transactional.id');
        } catch (KafkaErrorException $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__NOT_CONFIGURED, $e->getCode());
            self::assertSame($e->getErrorString() . ' (RD_KAFKA_RESP_ERR__NOT_CONFIGURED)', $e->getMessage());
            self::assertNotSame('', $e->getErrorString());
            self::assertSame([__FILE__, $line], [$e->getFile(), $e->getLine()], 'the exception points at the caller, as the extension\'s');
            self::assertFalse($e->isFatal());
            self::assertFalse($e->transactionRequiresAbort());
        }

        $transactional = new Producer($this->clusterConf(['transactional.id' => self::uniqueName('rdk-txn-misuse')]));
        try {
            $transactional->beginTransaction();
            self::fail('a transaction before initTransactions()');
        } catch (KafkaErrorException $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__STATE, $e->getCode());
            self::assertStringEndsWith(' (RD_KAFKA_RESP_ERR__STATE)', $e->getMessage());
            self::assertFalse($e->transactionRequiresAbort());
        }

        $topicConf = new TopicConf();
        $topicConf->set('message.timeout.ms', 1000);
        try {
            $transactional->newTopic('any', $topicConf);
            self::fail('a transactional producer gave a topic a client of its own');
        } catch (Exception $e) {
            self::assertStringContainsString('message.timeout.ms', $e->getMessage());
        }
        // A TopicConf that changes nothing is accepted.
        $plain = new TopicConf();
        self::assertSame('any', $transactional->newTopic('any', $plain)->getName());
    }
}
