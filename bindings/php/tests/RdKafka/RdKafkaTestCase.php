<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/../../rdkafka/autoload.php';

use KafkaBridge\Consumer as BridgeConsumer;
use KafkaBridge\Producer as BridgeProducer;
use KafkaBridge\Tests\KafkaTestCase;
use RdKafka\Conf;
use RdKafka\KafkaConsumer;
use RdKafka\Message;

/**
 * Helpers for the php-rdkafka drop-in suites (tests/RdKafka): Confs for the real broker whose
 * log lines are collected instead of printed, and kafkabridge-native producers and consumers
 * to prepare and check what the drop-in did.
 */
abstract class RdKafkaTestCase extends KafkaTestCase
{
    /** @var array<int, array{0: int, 1: string, 2: string}> log lines of the Confs made by conf() */
    protected $logs = [];

    /**
     * A Conf with bootstrap.servers (unless $withBrokers is false), $settings, and a log
     * callback that collects the lines into $this->logs.
     *
     * @param array<string, string|int> $settings
     */
    protected function conf(array $settings = [], bool $withBrokers = true): Conf
    {
        $conf = new Conf();
        if ($withBrokers) {
            $conf->set('bootstrap.servers', self::brokers());
        }
        foreach ($settings as $name => $value) {
            $conf->set($name, (string) $value);
        }
        $conf->setLogCb(function ($kafka, int $level, string $facility, string $message): void {
            $this->logs[] = [$level, $facility, $message];
        });

        return $conf;
    }

    /**
     * conf() on cluster(): for tests that need some cluster but not the real broker.
     *
     * @param array<string, string|int> $settings
     */
    protected function clusterConf(array $settings = []): Conf
    {
        return $this->conf(['bootstrap.servers' => self::cluster()] + $settings, false);
    }

    /**
     * Produces messages with kafkabridge's own producer and waits for their delivery.
     *
     * @param array<int, array{0: int, 1: string|null, 2?: string|null}> $messages [partition, value, key]
     *
     * @return array<int, int> the offset of each message, in order
     */
    protected static function produceNative(string $topic, array $messages): array
    {
        $producer = new BridgeProducer(self::config());
        $offsets = [];
        foreach ($messages as $m) {
            $offsets[] = $producer->produceSync($topic, $m[1], isset($m[2]) ? $m[2] : null, [], $m[0], 0, self::WAIT_MS)->getOffset();
        }
        $producer->close();

        return $offsets;
    }

    /**
     * Produces $count messages "<prefix><i>" to one partition in batches and waits until all
     * are delivered.
     */
    protected static function produceMany(string $topic, int $partition, int $count, string $prefix): void
    {
        $producer = new BridgeProducer(self::config(['linger.ms' => 5]));
        $records = [];
        for ($i = 0; $i < $count; $i++) {
            $records[] = ['value' => $prefix . $i, 'partition' => $partition];
        }
        $ids = [];
        foreach (array_chunk($records, 1000) as $chunk) {
            $ids = array_merge($ids, $producer->produceBatch($chunk, $topic));
        }
        $producer->flush(self::WAIT_MS);
        foreach (self::awaitDeliveries($producer, $ids) as $report) {
            self::assertTrue($report->isDelivered(), (string) $report->getErrorText());
        }
        $producer->close();
    }

    /**
     * The group's committed offsets of a topic's partitions, by partition (-1001: none).
     *
     * @return array<int, int>
     */
    protected static function committedOffsets(string $group, string $topic, int $partitions): array
    {
        $consumer = new BridgeConsumer(self::config(['group.id' => $group]));
        $parts = [];
        for ($p = 0; $p < $partitions; $p++) {
            $parts[] = new \KafkaBridge\TopicPartition($topic, $p);
        }
        $out = [];
        foreach ($consumer->committed($parts, self::WAIT_MS) as $tp) {
            $out[$tp->getPartition()] = $tp->getOffset();
        }
        $consumer->close();
        ksort($out);

        return $out;
    }

    /**
     * Reads a topic from the beginning with kafkabridge's own consumer until $want messages.
     *
     * @return \KafkaBridge\Message[]
     */
    protected static function readNative(string $topic, int $partitions, int $want, array $extra = []): array
    {
        $consumer = new BridgeConsumer(self::config($extra + ['enable.partition.eof' => false]));
        $parts = [];
        for ($p = 0; $p < $partitions; $p++) {
            $parts[] = new \KafkaBridge\TopicPartition($topic, $p, \KafkaBridge\Offset::BEGINNING);
        }
        $consumer->assign($parts);
        $got = self::consume($consumer, $want);
        $consumer->close();

        return $got;
    }

    /**
     * Calls KafkaConsumer::consume() until $want messages came (bounded); fails on an error
     * entry other than a timeout or partition EOF.
     *
     * @return Message[]
     */
    protected static function consumeKafka(KafkaConsumer $consumer, int $want, int $timeoutMs = self::WAIT_MS): array
    {
        $got = [];
        $deadline = self::nowMs() + $timeoutMs;
        while (count($got) < $want && self::nowMs() < $deadline) {
            $message = $consumer->consume(200);
            if ($message->err === RD_KAFKA_RESP_ERR__TIMED_OUT || $message->err === RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                continue;
            }
            self::assertSame(RD_KAFKA_RESP_ERR_NO_ERROR, $message->err, 'consumer error: ' . $message->errstr() . ' ' . $message->payload);
            $got[] = $message;
        }

        return $got;
    }
}
