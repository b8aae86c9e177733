<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use KafkaBridge\Library;
use RdKafka\Exception;
use RdKafka\Message;
use RdKafka\Metadata\Broker;
use RdKafka\Metadata\Partition;
use RdKafka\Metadata\Topic;
use RdKafka\Producer;
use RdKafka\TopicConf;
use RdKafka\TopicPartition;

/**
 * RdKafka\Producer on kafkabridge against the real broker: delivery report callbacks with the
 * produced message, producev() headers and timestamps, flush, purge, metadata, watermarks,
 * RD_KAFKA_MSG_F_BLOCK and persistence.
 */
final class ProducerTest extends RdKafkaTestCase
{
    public static function tearDownAfterClass(): void
    {
        Library::shutdown(); // the persistent client of testPersistentProducerOutlivesTheObject
    }

    /**
     * @param Message[] $reports collects the delivery reports
     */
    private function producer(array &$reports, array $settings = []): Producer
    {
        $conf = $this->conf($settings);
        $conf->setDrMsgCb(function ($kafka, Message $message) use (&$reports): void {
            self::assertInstanceOf(Producer::class, $kafka);
            $reports[] = $message;
        });

        return new Producer($conf);
    }

    /**
     * Polls until $want reports came (bounded).
     *
     * @param Message[] $reports
     */
    private static function pollUntil(Producer $producer, array &$reports, int $want): int
    {
        $served = 0;
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($reports) < $want && self::nowMs() < $deadline) {
            $served += $producer->poll(100);
        }
        self::assertCount($want, $reports, 'delivery reports within ' . self::WAIT_MS . ' ms');

        return $served;
    }

    public function testDeliveryReportCallbackGetsTheProducedMessage(): void
    {
        $topicName = self::uniqueName('rdk-dr');
        self::createTopic($topicName, 2);
        $reports = [];
        $producer = $this->producer($reports);
        $topic = $producer->newTopic($topicName);
        self::assertSame($topicName, $topic->getName());
        $topic->produce(RD_KAFKA_PARTITION_UA, 0, 'v0', 'k0');
        $topic->produce(1, 0, 'v1', null, 'opaque-1');
        $topic->produce(0, 0, null, 'tombstone-key');
        $topic->produce(0, 0, "bin\0\xff", "key\0");
        $topic->produce(1, 0, 'value-only');
        $served = self::pollUntil($producer, $reports, 5);
        self::assertGreaterThanOrEqual(5, $served, 'poll() counts the reports it served');

        $byPayload = [];
        foreach ($reports as $report) {
            self::assertSame(RD_KAFKA_RESP_ERR_NO_ERROR, $report->err, $report->errstr());
            self::assertSame('Success', $report->errstr());
            self::assertSame($topicName, $report->topic_name);
            self::assertGreaterThanOrEqual(0, $report->offset);
            $byPayload[$report->payload === null ? 'null' : $report->payload] = $report;
        }
        self::assertSame('k0', $byPayload['v0']->key);
        self::assertSame(2, $byPayload['v0']->len);
        self::assertNull($byPayload['v0']->opaque);
        self::assertGreaterThan(0, $byPayload['v0']->timestamp);
        self::assertSame(1, $byPayload['v1']->partition);
        self::assertSame('opaque-1', $byPayload['v1']->opaque);
        self::assertNull($byPayload['v1']->key);
        self::assertSame('tombstone-key', $byPayload['null']->key);
        self::assertNull($byPayload['null']->len);
        self::assertSame("key\0", $byPayload["bin\0\xff"]->key);
        self::assertSame(0, $byPayload["bin\0\xff"]->partition);
        // A message with only a value is remembered by its payload alone: the same report.
        self::assertSame(10, $byPayload['value-only']->len);
        self::assertNull($byPayload['value-only']->key);
        self::assertNull($byPayload['value-only']->opaque);
        self::assertSame($byPayload['v0']->headers, $byPayload['value-only']->headers);
        self::assertGreaterThan(0, $byPayload['value-only']->timestamp);
        self::assertSame(0, $producer->getOutQLen());

        // They are really there.
        $read = self::readNative($topicName, 2, 5);
        $values = array_map(static function (\KafkaBridge\Message $m): string {
            return $m->getValue() === null ? 'null' : $m->getValue();
        }, $read);
        sort($values);
        $expected = ['null', 'v0', 'v1', "bin\0\xff", 'value-only'];
        sort($expected);
        self::assertSame($expected, $values);
    }

    public function testProducevWithHeadersAndTimestamp(): void
    {
        $topicName = self::uniqueName('rdk-producev');
        self::createTopic($topicName, 1);
        $reports = [];
        $producer = $this->producer($reports);
        $topic = $producer->newTopic($topicName);
        $timestamp = (int) (microtime(true) * 1000) - 3600 * 1000;
        $topic->producev(0, 0, 'with-headers', 'k', ['trace-id' => 'abc', 'bin' => "x\0y", 'n' => 7], $timestamp, 'op');
        $topic->producev(0, 0, 'no-headers', null, null, null);
        $topic->producev(0, 0, 'list-entry', null, ['a' => '1', 'not-a-header', 'b' => '2']);
        self::pollUntil($producer, $reports, 3);
        self::assertSame(0, $reports[0]->err);
        self::assertSame(['trace-id' => 'abc', 'bin' => "x\0y", 'n' => '7'], $reports[0]->headers);
        self::assertSame($timestamp, $reports[0]->timestamp);
        self::assertSame('op', $reports[0]->opaque);
        self::assertSame([], $reports[1]->headers);
        self::assertSame(['a' => '1'], $reports[2]->headers, 'as in php-rdkafka, the headers end at the first integer key');

        // Read back through the drop-in's KafkaConsumer: headers and timestamp arrive.
        $consumer = new \RdKafka\KafkaConsumer($this->conf(['group.id' => self::uniqueName('rdk-hdr'), 'auto.offset.reset' => 'earliest']));
        $consumer->subscribe([$topicName]);
        $messages = self::consumeKafka($consumer, 3);
        $consumer->close();
        self::assertCount(3, $messages);
        self::assertSame('with-headers', $messages[0]->payload);
        self::assertSame(['trace-id' => 'abc', 'bin' => "x\0y", 'n' => '7'], $messages[0]->headers);
        self::assertSame($timestamp, $messages[0]->timestamp);
        self::assertSame('k', $messages[0]->key);
        self::assertSame('no-headers', $messages[1]->payload);
        self::assertSame([], $messages[1]->headers);
        self::assertGreaterThan($timestamp, $messages[1]->timestamp);
        self::assertSame(['a' => '1'], $messages[2]->headers);
    }

    public function testFlushWaitsForDeliveryAndServesTheCallbacks(): void
    {
        $topicName = self::uniqueName('rdk-flush');
        self::createTopic($topicName, 1);
        $reports = [];
        $producer = $this->producer($reports, ['linger.ms' => 50]);
        $topic = $producer->newTopic($topicName);
        for ($i = 0; $i < 50; $i++) {
            $topic->produce(0, 0, 'm' . $i);
        }
        self::assertGreaterThan(0, $producer->getOutQLen());
        self::assertSame(RD_KAFKA_RESP_ERR_NO_ERROR, $producer->flush(self::WAIT_MS));
        self::assertCount(50, $reports, 'flush() served every delivery report');
        self::assertSame(0, $producer->getOutQLen());
        $offsets = array_map(static function (Message $m): int {
            return $m->offset;
        }, $reports);
        self::assertSame(range(0, 49), $offsets);
    }

    public function testPurgeFailsQueuedMessagesWithPurgeQueue(): void
    {
        $topicName = self::uniqueName('rdk-purge');
        self::createTopic($topicName, 1);
        $reports = [];
        // Held back by linger.ms: still in the local queue when purged.
        $producer = $this->producer($reports, ['linger.ms' => 60000]);
        $topic = $producer->newTopic($topicName);
        for ($i = 0; $i < 3; $i++) {
            $topic->produce(0, 0, 'purged-' . $i);
        }
        self::assertSame(3, $producer->getOutQLen());
        self::assertSame(0, $producer->purge(RD_KAFKA_PURGE_F_QUEUE));
        self::pollUntil($producer, $reports, 3);
        foreach ($reports as $report) {
            self::assertSame(RD_KAFKA_RESP_ERR__PURGE_QUEUE, $report->err);
            self::assertSame(rd_kafka_err2str(RD_KAFKA_RESP_ERR__PURGE_QUEUE), $report->errstr());
        }
        self::assertSame(0, $producer->getOutQLen());
        $producer->queryWatermarkOffsets($topicName, 0, $low, $high, self::WAIT_MS);
        self::assertSame([0, 0], [$low, $high], 'nothing was written');
    }

    public function testMetadataWatermarksAndOffsetsForTimes(): void
    {
        $topicName = self::uniqueName('rdk-md');
        self::createTopic($topicName, 3);
        $reports = [];
        $producer = $this->producer($reports);
        $topic = $producer->newTopic($topicName);
        $before = (int) (microtime(true) * 1000) - 1000;
        for ($i = 0; $i < 3; $i++) {
            $topic->producev(1, 0, 'w' . $i, null, null, $before + $i * 100);
        }
        self::assertSame(0, $producer->flush(self::WAIT_MS));

        $all = $producer->getMetadata(true, null, self::WAIT_MS);
        self::assertGreaterThanOrEqual(1, count($all->getBrokers()));
        foreach ($all->getBrokers() as $broker) {
            self::assertInstanceOf(Broker::class, $broker);
            self::assertNotSame('', $broker->getHost());
            self::assertGreaterThan(0, $broker->getPort());
        }
        self::assertGreaterThanOrEqual(0, $all->getOrigBrokerId());
        self::assertNotSame('', $all->getOrigBrokerName());
        $names = [];
        foreach ($all->getTopics() as $t) {
            $names[] = $t->getTopic();
        }
        self::assertContains($topicName, $names);

        $one = $producer->getMetadata(false, $topic, self::WAIT_MS);
        self::assertCount(1, $one->getTopics());
        /** @var Topic $t */
        $t = $one->getTopics()->current();
        self::assertSame($topicName, $t->getTopic());
        self::assertSame(0, $t->getErr());
        self::assertCount(3, $t->getPartitions());
        $ids = [];
        foreach ($t->getPartitions() as $p) {
            /** @var Partition $p */
            $ids[] = $p->getId();
            self::assertSame(0, $p->getErr());
            self::assertGreaterThanOrEqual(0, $p->getLeader());
            self::assertCount(1, $p->getReplicas());
            self::assertCount(1, $p->getIsrs());
        }
        sort($ids);
        self::assertSame([0, 1, 2], $ids);
        // all_topics false without a topic: the topics this producer made.
        $known = $producer->getMetadata(false, null, self::WAIT_MS);
        self::assertCount(1, $known->getTopics());

        $producer->queryWatermarkOffsets($topicName, 1, $low, $high, self::WAIT_MS);
        self::assertSame([0, 3], [$low, $high]);
        $producer->queryWatermarkOffsets($topicName, 0, $low, $high, self::WAIT_MS);
        self::assertSame([0, 0], [$low, $high]);
        $brokers = [];
        foreach ($producer->getMetadata(true, null, self::WAIT_MS)->getBrokers() as $broker) {
            $brokers[] = $broker->getId();
        }
        self::assertContains($producer->getControllerId(self::WAIT_MS), $brokers, 'the controller is one of the brokers');

        // One question per partition and call (librdkafka keeps one entry per partition).
        $answers = $producer->offsetsForTimes([
            new TopicPartition($topicName, 1, $before + 150),
            new TopicPartition($topicName, 2, $before),
        ], self::WAIT_MS);
        self::assertCount(2, $answers);
        self::assertSame([$topicName, 1, 2, 0], [$answers[0]->getTopic(), $answers[0]->getPartition(), $answers[0]->getOffset(), $answers[0]->getErr()]);
        self::assertSame([$topicName, 2, RD_KAFKA_OFFSET_END], [$answers[1]->getTopic(), $answers[1]->getPartition(), $answers[1]->getOffset()]);
        $later = $producer->offsetsForTimes([new TopicPartition($topicName, 1, $before + 3600 * 1000)], self::WAIT_MS);
        self::assertSame(RD_KAFKA_OFFSET_END, $later[0]->getOffset());
    }

    /** @group brokerless */
    public function testBadArgumentsAndUnreachableBrokers(): void
    {
        $reports = [];
        $errors = [];
        $conf = $this->conf(['message.timeout.ms' => 2000], false);
        $conf->set('bootstrap.servers', '127.0.0.1:1');
        $conf->set('bridge.close.timeout.ms', 100);
        $conf->setDrMsgCb(function ($kafka, Message $message) use (&$reports): void {
            $reports[] = $message;
        });
        $conf->setErrorCb(function ($kafka, int $err, string $reason) use (&$errors): void {
            $errors[] = [$err, $reason];
        });
        $producer = new Producer($conf);
        $topic = $producer->newTopic('rdk-unreachable');
        try {
            $topic->produce(-5, 0, 'x');
            self::fail('partition -5 accepted');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('-5', $e->getMessage());
        }
        try {
            $topic->produce(0, 1, 'x');
            self::fail('msgflags 1 accepted');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('msgflags', $e->getMessage());
        }
        try {
            $producer->getMetadata(true, null, 300);
            self::fail('metadata from no broker');
        } catch (Exception $e) {
            // librdkafka's rd_kafka_metadata() answers _TRANSPORT when no broker became usable.
            self::assertContains($e->getCode(), [RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT]);
            self::assertSame(rd_kafka_err2str($e->getCode()), $e->getMessage());
            self::assertInstanceOf(\KafkaBridge\Exception\KafkaBridgeException::class, $e->getPrevious());
        }
        $topic->produce(RD_KAFKA_PARTITION_UA, 0, 'never');
        self::pollUntil($producer, $reports, 1);
        self::assertSame(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, $reports[0]->err);
        self::assertSame('never', $reports[0]->payload);
        self::assertNotEmpty($errors, 'the error callback heard about the unreachable broker');
        self::assertContains($errors[0][0], [RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE]);
    }

    /**
     * RD_KAFKA_MSG_F_BLOCK waits for room instead of failing with RD_KAFKA_RESP_ERR__QUEUE_FULL.
     */
    public function testBlockFlagWaitsForRoom(): void
    {
        $topicName = self::uniqueName('rdk-block');
        self::createTopic($topicName, 1);
        $reports = [];
        $producer = $this->producer($reports, ['queue.buffering.max.messages' => 2, 'linger.ms' => 20]);
        $topic = $producer->newTopic($topicName);
        $topic->produce(0, 0, 'a');
        $topic->produce(0, 0, 'b');
        try {
            $topic->produce(0, 0, 'c');
            self::fail('a third message fit in a queue of two');
        } catch (Exception $e) {
            self::assertSame(RD_KAFKA_RESP_ERR__QUEUE_FULL, $e->getCode());
        }
        for ($i = 0; $i < 6; $i++) {
            $topic->produce(0, RD_KAFKA_MSG_F_BLOCK, 'blocked-' . $i);
        }
        self::assertSame(0, $producer->flush(self::WAIT_MS));
        self::assertCount(8, $reports);
        $payloads = array_map(static function (Message $m): string {
            self::assertSame(0, $m->err);

            return (string) $m->payload;
        }, $reports);
        self::assertSame(['a', 'b', 'blocked-0', 'blocked-1', 'blocked-2', 'blocked-3', 'blocked-4', 'blocked-5'], $payloads);
    }

    /**
     * A topic whose TopicConf changes properties is served by a client of its own; poll()
     * serves the reports of both.
     */
    public function testTopicWithItsOwnPropertiesGetsItsOwnClient(): void
    {
        $plainName = self::uniqueName('rdk-plain');
        $tunedName = self::uniqueName('rdk-tuned');
        self::createTopic($plainName, 1);
        self::createTopic($tunedName, 1);
        $reports = [];
        $producer = $this->producer($reports, ['message.timeout.ms' => 30000]);
        $topicConf = new TopicConf();
        $topicConf->set('message.timeout.ms', 20000);
        $topicConf->set('acks', 1);
        $producer->newTopic($plainName)->produce(0, 0, 'plain');
        $producer->newTopic($tunedName, $topicConf)->produce(0, 0, 'tuned');
        self::pollUntil($producer, $reports, 2);
        $byTopic = [];
        foreach ($reports as $report) {
            self::assertSame(0, $report->err);
            $byTopic[$report->topic_name] = $report->payload;
        }
        // The two clients report independently (the tuned one, acks=1, is not idempotent and
        // may answer first): compare without order.
        $expected = [$plainName => 'plain', $tunedName => 'tuned'];
        ksort($expected);
        ksort($byTopic);
        self::assertSame($expected, $byTopic);
    }

    /**
     * `bridge.persistent.name` keeps the client alive after the RdKafka\Producer is destroyed;
     * the next one (the next request) reuses it.
     */
    public function testPersistentProducerOutlivesTheObject(): void
    {
        $topicName = self::uniqueName('rdk-persist');
        self::createTopic($topicName, 1);
        $name = self::uniqueName('rdk-persist-name');
        $ids = [];
        for ($request = 0; $request < 2; $request++) {
            $reports = [];
            $producer = $this->producer($reports, ['bridge.persistent.name' => $name]);
            self::assertNull($producer->getBridgeInfo(), 'no client before the first use');
            $producer->newTopic($topicName)->produce(0, 0, 'request-' . $request);
            $info = $producer->getBridgeInfo();
            self::assertNotNull($info);
            self::assertTrue($info->isPersistent());
            self::assertSame($request === 1, $info->isReused());
            $ids[] = $info->getClientId();
            self::assertSame(0, $producer->flush(self::WAIT_MS));
            self::assertCount(1, $reports);
            self::assertSame($request, $reports[0]->offset);
            $ref = \WeakReference::create($producer);
            unset($producer); // the end of the request
            self::assertNull($ref->get(), 'destroyed at once: no reference cycle keeps it for the garbage collector');
        }
        self::assertSame($ids[0], $ids[1], 'the same client served both');

        // The same name with other settings is refused, naming the differing key.
        $other = $this->producer($reports, ['bridge.persistent.name' => $name, 'linger.ms' => 77]);
        try {
            $other->newTopic($topicName)->produce(0, 0, 'refused');
            self::fail('a conflicting persistent configuration was accepted');
        } catch (Exception $e) {
            self::assertSame(-1004, $e->getCode());
            self::assertStringContainsString('linger.ms', $e->getMessage());
        }
    }

    /**
     * The statistics and log callbacks run inside poll() with php-rdkafka's arguments; log lines
     * above setLogLevel() are dropped.
     *
     * @group brokerless
     */
    public function testStatsAndLogCallbacks(): void
    {
        $stats = [];
        // debug=broker: librdkafka logs (level 7) while it connects, after the client is made.
        $conf = $this->clusterConf(['statistics.interval.ms' => 100, 'debug' => 'broker']);
        $conf->setStatsCb(function ($kafka, string $json, int $length) use (&$stats): void {
            self::assertInstanceOf(Producer::class, $kafka);
            self::assertSame(strlen($json), $length);
            $stats[] = json_decode($json, true);
        });
        $producer = new Producer($conf);
        $producer->newTopic(self::uniqueName('rdk-stats'));
        $debugLines = function (): array {
            return array_values(array_filter($this->logs, static function (array $log): bool {
                return $log[0] === LOG_DEBUG && $log[1] !== '' && $log[2] !== '';
            }));
        };
        // Both come through poll(), in no guaranteed order.
        $deadline = self::nowMs() + self::WAIT_MS;
        while (($stats === [] || $debugLines() === []) && self::nowMs() < $deadline) {
            $producer->poll(100);
        }
        self::assertNotEmpty($stats);
        self::assertSame('producer', $stats[0]['type']);
        self::assertNotEmpty($debugLines(), 'the log callback got librdkafka\'s debug lines');

        // setLogLevel(LOG_ERR) before the client exists: nothing above LOG_ERR any more.
        $this->logs = [];
        $stats = [];
        $quiet = new Producer($this->clusterConf(['debug' => 'broker', 'statistics.interval.ms' => 100]));
        $quiet->setLogLevel(LOG_ERR);
        $quiet->newTopic('t');
        $deadline = self::nowMs() + self::WAIT_MS;
        $served = 0;
        while ($served < 3 && self::nowMs() < $deadline) {
            $served += $quiet->poll(100); // statistics events: the client is up and talking
        }
        self::assertGreaterThanOrEqual(3, $served);
        self::assertSame([], array_filter($this->logs, static function (array $log): bool {
            return $log[0] > LOG_ERR;
        }));
    }

    /**
     * An exception thrown by a callback leaves poll(); the reports after it are not lost but
     * served by the next poll().
     */
    public function testExceptionInCallbackKeepsTheOtherReports(): void
    {
        $topicName = self::uniqueName('rdk-throw');
        self::createTopic($topicName, 1);
        $seen = [];
        $conf = $this->conf();
        $conf->setDrMsgCb(function ($kafka, Message $message) use (&$seen): void {
            $seen[] = $message->payload;
            if ($message->payload === 'boom') {
                throw new \RuntimeException('callback failed');
            }
        });
        $producer = new Producer($conf);
        $topic = $producer->newTopic($topicName);
        foreach (['a', 'boom', 'b'] as $payload) {
            $topic->produce(0, 0, $payload);
        }
        $thrown = false;
        $deadline = self::nowMs() + self::WAIT_MS;
        while (count($seen) < 3 && self::nowMs() < $deadline) {
            try {
                $producer->flush(self::WAIT_MS);
            } catch (\RuntimeException $e) {
                self::assertSame('callback failed', $e->getMessage());
                $thrown = true;
            }
        }
        self::assertTrue($thrown);
        self::assertSame(['a', 'boom', 'b'], $seen);
    }
}
