<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use KafkaBridge\Library;
use RdKafka\Exception;
use RdKafka\KafkaConsumer;
use RdKafka\Producer;

/**
 * KAFKABRIDGE_PERSISTENT=1: php-rdkafka code that sets no kafkabridge property gets persistent
 * clients, one per distinct configuration. (The php.ini form, kafkabridge.persistent, is read
 * at startup: testIniSwitch runs a PHP of its own.)
 */
final class AutoPersistenceTest extends RdKafkaTestCase
{
    protected function setUp(): void
    {
        putenv('KAFKABRIDGE_PERSISTENT=1');
    }

    protected function tearDown(): void
    {
        putenv('KAFKABRIDGE_PERSISTENT');
        Library::shutdown(); // the persistent clients the switch made
    }

    /** One "request": a producer with $settings produces one message and is destroyed. */
    private function request(string $topic, array $settings = []): \KafkaBridge\ProducerInfo
    {
        $producer = new Producer($this->conf($settings));
        $producer->newTopic($topic)->produce(0, 0, 'm');
        self::assertSame(0, $producer->flush(self::WAIT_MS));
        $info = $producer->getBridgeInfo();
        self::assertNotNull($info);

        return $info; // the producer goes here
    }

    public function testProducersOfOneConfigurationShareAPersistentClient(): void
    {
        $topic = self::uniqueName('rdk-auto');
        self::createTopic($topic, 1);
        $first = $this->request($topic);
        $second = $this->request($topic);
        self::assertTrue($first->isPersistent());
        self::assertFalse($first->isReused());
        self::assertTrue($second->isReused(), 'the next request reused the client');
        self::assertSame($first->getClientId(), $second->getClientId());
        // Another configuration is another client, never a configuration conflict.
        $other = $this->request($topic, ['linger.ms' => 77]);
        self::assertTrue($other->isPersistent());
        self::assertFalse($other->isReused());
        self::assertNotSame($first->getClientId(), $other->getClientId());
        // A name the Conf gives wins.
        $named = $this->request($topic, ['bridge.persistent.name' => self::uniqueName('own')]);
        self::assertNotSame($first->getClientId(), $named->getClientId());
        // Off: a private client.
        putenv('KAFKABRIDGE_PERSISTENT=0');
        self::assertFalse($this->request($topic)->isPersistent());
    }

    /** @group brokerless */
    public function testAValueThatIsNotASwitchIsRefusedNamingIt(): void
    {
        putenv('KAFKABRIDGE_PERSISTENT=maybe');
        $producer = new Producer($this->conf([], false));
        try {
            $producer->newTopic('t')->produce(0, 0, 'm');
            self::fail('KAFKABRIDGE_PERSISTENT=maybe was accepted');
        } catch (Exception $e) {
            self::assertStringContainsString('KAFKABRIDGE_PERSISTENT is "maybe"', $e->getMessage());
            self::assertStringContainsString('set it to 1', $e->getMessage());
        }
    }

    public function testKafkaConsumersAreSessionsOfOneMemberWhereSafe(): void
    {
        $topic = self::uniqueName('rdk-auto-c');
        self::createTopic($topic, 1);
        self::produceMany($topic, 0, 4, 'v');
        $settings = ['group.id' => self::uniqueName('rdk-auto-group'), 'auto.offset.reset' => 'earliest'];
        $read = function () use ($topic, $settings): \KafkaBridge\ConsumerInfo {
            $consumer = new KafkaConsumer($this->conf($settings));
            $consumer->subscribe([$topic]);
            $message = $consumer->consume(self::WAIT_MS);
            self::assertSame(RD_KAFKA_RESP_ERR_NO_ERROR, $message->err);

            return $consumer->getBridgeInfo();
        };
        $first = $read();
        self::assertTrue($first->isPersistent());
        self::assertFalse($first->isReused());
        self::assertTrue($read()->isReused(), 'the next object is a session of the same member: no new group join');

        // Held by one object, the member cannot serve a second at the same time: that one is private.
        $holder = new KafkaConsumer($this->conf($settings));
        $second = new KafkaConsumer($this->conf($settings));
        self::assertTrue($holder->getBridgeInfo()->isPersistent());
        self::assertFalse($second->getBridgeInfo()->isPersistent());
        $second->close();
        unset($holder);

        // A rebalance callback must run when the member's assignment changes, which happens
        // between requests: such a consumer stays private.
        $conf = $this->conf($settings);
        $conf->setRebalanceCb(function (KafkaConsumer $kafka, int $err, ?array $partitions = null): void {
            $kafka->assign($err === RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? $partitions : null);
        });
        $withCallback = new KafkaConsumer($conf);
        self::assertFalse($withCallback->getBridgeInfo()->isPersistent());
        $withCallback->close();
    }

    /**
     * @group brokerless
     */
    public function testIniSwitch(): void
    {
        $script = 'require ' . var_export(__DIR__ . '/../../rdkafka/autoload.php', true) . ';'
            . '$c = new RdKafka\Conf(); $c->set("bootstrap.servers", "127.0.0.1:1"); $c->set("message.timeout.ms", "1");'
            . '$p = new RdKafka\Producer($c); $p->newTopic("t")->produce(RD_KAFKA_PARTITION_UA, 0, "m");'
            . 'echo json_encode($p->getBridgeInfo()->isPersistent());';
        $run = function (string $ini) use ($script): array {
            $cmd = [PHP_BINARY, '-n', '-d', 'extension=ffi', '-d', 'ffi.enable=1', '-d', $ini, '-r', $script];
            $env = getenv();
            unset($env['KAFKABRIDGE_PERSISTENT']);
            $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
            $out = stream_get_contents($pipes[1]);
            $err = stream_get_contents($pipes[2]);
            proc_close($proc);

            return [trim($out), $err]; // stderr: the undeliverable message's report
        };
        [$on, $err] = $run('kafkabridge.persistent=1');
        self::assertSame('true', $on, $err);
        [$off, $err] = $run('kafkabridge.persistent=0');
        self::assertSame('false', $off, $err);
    }
}
