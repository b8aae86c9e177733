<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use PHPUnit\Framework\TestCase;
use RdKafka\Conf;
use RdKafka\Exception;
use RdKafka\KafkaConsumer;
use RdKafka\KafkaErrorException;
use RdKafka\Message;
use RdKafka\Metadata\Collection;
use RdKafka\TopicConf;
use RdKafka\TopicPartition;

/**
 * The drop-in's value classes without a broker: Conf/TopicConf validation and dumps,
 * TopicPartition, Message, Metadata\Collection and the exceptions.
 *
 * @group brokerless
 */
final class ConfTest extends TestCase
{
    public function testSetValidatesLikeLibrdkafka(): void
    {
        $conf = new Conf();
        $conf->set('client.id', 'dropin');
        $conf->set('socket.blocking.max.ms', 1); // deprecated, accepted (an int, as users pass it)
        $conf->set('enable.idempotence', true);
        try {
            $conf->set('no.such.property', 'x');
            self::fail('unknown property accepted');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_CONF_UNKNOWN, $e->getCode());
            self::assertStringContainsString('No such configuration property', $e->getMessage());
            self::assertStringContainsString('no.such.property', $e->getMessage());
        }
        try {
            $conf->set('acks', 'sometimes');
            self::fail('bad value accepted');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_CONF_INVALID, $e->getCode());
            self::assertStringContainsString('Invalid value', $e->getMessage());
        }
        $conf->set('sasl.password', 'secret');
        $dump = $conf->dump();
        self::assertSame('dropin', $dump['client.id']);
        self::assertSame('1', $dump['socket.blocking.max.ms']);
        self::assertSame('true', $dump['enable.idempotence']);
        self::assertSame('[redacted]', $dump['sasl.password']);
        self::assertArrayNotHasKey('acks', $dump);
        self::assertArrayNotHasKey('no.such.property', $dump);
        $conf->set('bridge.persistent.name', 'orders');
        self::assertSame('orders', $conf->dump()['bridge.persistent.name']);
    }

    public function testTopicConfAndDefaultTopicConf(): void
    {
        $topicConf = new TopicConf();
        $topicConf->set('message.timeout.ms', 1234);
        $topicConf->setPartitioner(RD_KAFKA_MSG_PARTITIONER_MURMUR2);
        self::assertSame(['message.timeout.ms' => '1234', 'partitioner' => 'murmur2'], $topicConf->dump());
        try {
            $topicConf->setPartitioner(99);
            self::fail('bad partitioner accepted');
        } catch (Exception $e) {
            self::assertStringContainsString('partitioner', $e->getMessage());
        }
        try {
            $topicConf->set('auto.offset.reset', 'sideways');
            self::fail('bad value accepted');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_CONF_INVALID, $e->getCode());
        }
        $conf = new Conf();
        $raised = [];
        set_error_handler(static function (int $level, string $message, string $file, int $line) use (&$raised): bool {
            $raised[] = [$level, $message, $file, $line];

            return true;
        });
        try {
            $line = __LINE__ + 1;
            $conf->setDefaultTopicConf($topicConf);
        } finally {
            restore_error_handler();
        }
        self::assertSame([[E_DEPRECATED, 'Method RdKafka\\Conf::setDefaultTopicConf() is deprecated', __FILE__, $line]], $raised, 'deprecated at the caller\'s line, as the extension\'s method');
        self::assertSame('1234', $conf->dump()['message.timeout.ms']);
        $copy = clone $conf;
        $copy->set('message.timeout.ms', 1);
        self::assertSame('1234', $conf->dump()['message.timeout.ms'], 'a clone is independent');
    }

    public function testCallbacksMustBeCallable(): void
    {
        $conf = new Conf();
        $this->expectException(\TypeError::class);
        /** @phpstan-ignore-next-line */
        $conf->setDrMsgCb('no_such_function_anywhere');
    }

    public function testKafkaConsumerNeedsGroupId(): void
    {
        try {
            new KafkaConsumer(new Conf());
            self::fail('no group.id accepted');
        } catch (Exception $e) {
            self::assertSame('"group.id" must be configured', $e->getMessage());
        }
    }

    public function testTopicPartition(): void
    {
        $tp = new TopicPartition('orders', 3);
        self::assertSame('orders', $tp->getTopic());
        self::assertSame(3, $tp->getPartition());
        self::assertSame(0, $tp->getOffset(), 'php-rdkafka\'s default offset is 0');
        self::assertSame(0, $tp->getErr());
        self::assertSame(['topic' => 'orders', 'partition' => 3, 'offset' => 0, 'err' => 0], $tp->__debugInfo(), 'var_dump() shows what the extension shows');
        self::assertSame($tp, $tp->setTopic('other')->setPartition(1)->setOffset(42));
        self::assertSame(['other', 1, 42], [$tp->getTopic(), $tp->getPartition(), $tp->getOffset()]);
        self::assertSame(RD_KAFKA_OFFSET_END, (new TopicPartition('t', 0, RD_KAFKA_OFFSET_END))->getOffset());
        self::assertSame(0, (new TopicPartition('t', 0, null))->getOffset());
    }

    public function testMessageFieldsAndErrstr(): void
    {
        $message = new Message();
        self::assertSame(0, $message->err);
        self::assertSame('Success', $message->errstr());
        self::assertSame([], $message->headers);
        self::assertNull($message->payload);
        $message->err = RD_KAFKA_RESP_ERR__PARTITION_EOF;
        self::assertSame(rd_kafka_err2str(RD_KAFKA_RESP_ERR__PARTITION_EOF), $message->errstr());
        $fields = array_keys(get_object_vars($message));
        sort($fields);
        self::assertSame(['err', 'headers', 'key', 'len', 'offset', 'opaque', 'partition', 'payload', 'timestamp', 'topic_name'], $fields);
    }

    public function testCollectionIteratesAndCounts(): void
    {
        $collection = Collection::make(['a', 'b', 'c']);
        self::assertCount(3, $collection);
        $seen = [];
        foreach ($collection as $key => $value) {
            $seen[$key] = $value;
        }
        self::assertSame(['a', 'b', 'c'], $seen);
        $seen = [];
        foreach ($collection as $key => $value) {
            $seen[$key] = $value;
        }
        self::assertSame(['a', 'b', 'c'], $seen, 'iterable twice');
        self::assertCount(0, Collection::make([]));
        self::assertFalse((Collection::make([]))->valid());
    }

    /**
     * As the extension's, metadata objects are made by the client only, and mocks of them (and of
     * TopicPartition) that skip the constructor say so when used.
     */
    public function testClientMadeObjectsRefuseNewAndUnconstructedUse(): void
    {
        try {
            new Collection();
            self::fail('new Metadata\\Collection accepted');
        } catch (\Error $e) {
            self::assertSame('Call to private RdKafka\\Metadata\\Collection::__construct() from scope ' . self::class, $e->getMessage());
        }
        foreach ([\RdKafka\Metadata::class => 'getBrokers', Collection::class => 'count', \RdKafka\Metadata\Broker::class => 'getHost', \RdKafka\Metadata\Topic::class => 'getPartitions', \RdKafka\Metadata\Partition::class => 'getLeader', TopicPartition::class => 'getTopic'] as $class => $method) {
            $mock = (new \ReflectionClass($class))->newInstanceWithoutConstructor();
            self::assertSame([], $mock->__debugInfo(), $class);
            try {
                $mock->$method();
                self::fail("$class::$method() of an unconstructed object");
            } catch (\Exception $e) {
                self::assertSame("$class::__construct() has not been called", $e->getMessage());
            }
        }
    }

    public function testKafkaErrorException(): void
    {
        $e = new KafkaErrorException('Operation not valid in state Ready (RD_KAFKA_RESP_ERR__STATE)', RD_KAFKA_RESP_ERR__STATE, 'Operation not valid in state Ready', false, true, false);
        self::assertInstanceOf(Exception::class, $e);
        self::assertSame('Operation not valid in state Ready (RD_KAFKA_RESP_ERR__STATE)', $e->getMessage());
        self::assertSame(-172, $e->getCode());
        self::assertSame('Operation not valid in state Ready', $e->getErrorString());
        self::assertFalse($e->isFatal());
        self::assertTrue($e->isRetriable());
        self::assertFalse($e->transactionRequiresAbort());

        $short = new KafkaErrorException('only a message', 1);
        self::assertSame(['', false, false, false], [$short->getErrorString(), $short->isFatal(), $short->isRetriable(), $short->transactionRequiresAbort()], 'the extension\'s optional arguments');
    }
}
