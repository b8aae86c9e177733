<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Config;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\ConfigConflictException;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Library;
use KafkaBridge\Producer;

/**
 * Persistent producers: two Producer objects with the same name share one client (proved by
 * info(), not assumed), and the same name with other settings is refused naming the keys.
 */
final class PersistentProducerTest extends KafkaTestCase
{
    public static function tearDownAfterClass(): void
    {
        Library::shutdown(); // drop this suite's persistent clients
    }

    public function testClientIsReusedAcrossProducerObjects(): void
    {
        $topic = self::uniqueName('persist');
        self::createTopic($topic, 1);
        $name = self::uniqueName('persist-name');

        $first = Producer::persistent($name, self::config(['linger.ms' => 2]));
        $info1 = $first->info();
        self::assertTrue($info1->isPersistent());
        self::assertFalse($info1->isReused());
        self::assertSame(1, $info1->getSessionsServed());
        self::assertSame(getmypid(), $info1->getCreatorPid());
        self::assertSame(0, $first->produceSync($topic, 'first', null, [], 0, 0, self::WAIT_MS)->getOffset());
        $first->close();

        // A second object (as in the next request), built from a Config this time.
        $config = new Config(self::config(['linger.ms' => 2]));
        $config->set(Config::PERSISTENT_NAME, $name);
        $second = new Producer($config);
        $info2 = $second->info();
        self::assertTrue($info2->isPersistent());
        self::assertTrue($info2->isReused(), 'the second session attaches to the live client');
        self::assertSame($info1->getClientId(), $info2->getClientId());
        self::assertSame(2, $info2->getSessionsServed());
        self::assertGreaterThanOrEqual($info1->getAgeMs(), $info2->getAgeMs());
        self::assertSame(1, $second->produceSync($topic, 'second', null, [], 0, 0, self::WAIT_MS)->getOffset());
        $second->close();

        // A private producer is neither persistent nor reused, and gets its own client.
        $private = new Producer(self::config());
        self::assertFalse($private->info()->isPersistent());
        self::assertFalse($private->info()->isReused());
        self::assertNotSame($info1->getClientId(), $private->info()->getClientId());
        $private->close();
    }

    /** @group brokerless */
    public function testConflictingSettingsAreRefusedNamingTheKeys(): void
    {
        $name = self::uniqueName('conflict');
        $first = Producer::persistent($name, self::clusterConfig(['linger.ms' => 2]));
        try {
            Producer::persistent($name, self::clusterConfig(['linger.ms' => 3, 'acks' => '1']));
            self::fail('no exception');
        } catch (ConfigConflictException $e) {
            self::assertInstanceOf(ConfigException::class, $e);
            self::assertSame(ErrorCode::KB_CONFIG_CONFLICT, $e->getCode());
            self::assertSame('KB_ERR_CONFIG_CONFLICT', $e->getErrorName());
            self::assertStringContainsString('acks', $e->getLibraryMessage());
            self::assertStringContainsString('linger.ms', $e->getLibraryMessage());
            self::assertStringContainsString($name, $e->getLibraryMessage());
        }
        // The live client is untouched by the refused open.
        self::assertSame(1, $first->info()->getSessionsServed());
        $first->close();
    }

    /** @group brokerless */
    public function testPersistentLeavesTheCallersConfigAlone(): void
    {
        $config = new Config(self::clusterConfig());
        $producer = Producer::persistent(self::uniqueName('copy'), $config);
        self::assertSame('', $config->get(Config::PERSISTENT_NAME));
        self::assertTrue($producer->info()->isPersistent());
        $producer->close();
    }
}
