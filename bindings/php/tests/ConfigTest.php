<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Config;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\ConfigException;
use KafkaBridge\Exception\InvalidArgumentException;
use PHPUnit\Framework\TestCase;

/**
 * Config: set/get/dump/clone, validation at set time, and the exceptions for bad input.
 *
 * @group brokerless
 */
final class ConfigTest extends TestCase
{
    public function testSetGetAndDefaults(): void
    {
        $config = new Config(['linger.ms' => 25, 'enable.idempotence' => true, 'message.timeout.ms' => '3000']);
        self::assertSame('25', $config->get('linger.ms'));
        self::assertSame('true', $config->get('enable.idempotence'));
        self::assertSame('3000', $config->get('message.timeout.ms'), 'a topic-level key in the same object');
        self::assertGreaterThan(0, (int) $config->get('batch.num.messages'), 'librdkafka default');
        self::assertSame('5000', $config->get('bridge.close.timeout.ms'), 'kafkabridge default');
        self::assertSame($config, $config->set('acks', 'all'), 'set() is fluent');

        $long = str_repeat('x', 1000);
        $config->set('client.id', $long);
        self::assertSame($long, $config->get('client.id'), 'values longer than the first buffer');
    }

    public function testDumpRedactsSecretsAndUnescapes(): void
    {
        $config = new Config(['linger.ms' => 25, 'sasl.password' => 'hunter2', 'client.id' => "a\\b\nc"]);
        $dump = $config->dump();
        self::assertSame('25', $dump['linger.ms']);
        self::assertSame('[redacted]', $dump['sasl.password']);
        self::assertSame("a\\b\nc", $dump['client.id']);
        self::assertStringNotContainsString('hunter2', (string) json_encode($dump));
        self::assertSame(['client.id', 'linger.ms', 'sasl.password'], array_keys($dump), 'only what was set, sorted');
        self::assertSame([], (new Config())->dump());
    }

    public function testCloneIsIndependent(): void
    {
        $config = new Config(['linger.ms' => 25]);
        $copy = clone $config;
        $config->set('linger.ms', 99);
        $copy->set('acks', '1');
        self::assertSame('25', $copy->get('linger.ms'));
        self::assertSame('99', $config->get('linger.ms'));
        self::assertArrayNotHasKey('acks', $config->dump());
    }

    public function testUnknownKeyIsAConfigExceptionNamingIt(): void
    {
        try {
            new Config(['no.such.property' => '1']);
            self::fail('no exception');
        } catch (ConfigException $e) {
            self::assertSame(ErrorCode::KB_UNKNOWN_CONFIG, $e->getCode());
            self::assertSame('KB_ERR_UNKNOWN_CONFIG', $e->getErrorName());
            self::assertStringContainsString('no.such.property', $e->getLibraryMessage());
            self::assertStringContainsString('no.such.property', $e->getMessage());
            self::assertSame('kb_config_set', $e->getOperation());
            self::assertFalse($e->isRetriable());
            self::assertFalse($e->isFatal());
        }
        $this->expectException(ConfigException::class);
        (new Config())->set('bridge.nope', '1');
    }

    public function testBadValueIsAConfigException(): void
    {
        try {
            (new Config())->set('acks', 'banana');
            self::fail('no exception');
        } catch (ConfigException $e) {
            self::assertSame(ErrorCode::INVALID_ARG, $e->getCode());
            self::assertSame('_INVALID_ARG', $e->getErrorName());
            self::assertStringContainsString('acks', $e->getMessage());
        }
        try {
            (new Config())->set('bridge.close.timeout.ms', 'soon');
            self::fail('no exception');
        } catch (ConfigException $e) {
            self::assertSame(ErrorCode::INVALID_ARG, $e->getCode());
        }
    }

    public function testGetOfUnknownKey(): void
    {
        try {
            (new Config())->get('nope.nope');
            self::fail('no exception');
        } catch (ConfigException $e) {
            self::assertSame(ErrorCode::NOENT, $e->getCode());
            self::assertSame('_NOENT', $e->getErrorName());
        }
    }

    public function testNulInKeyIsRefusedNotTruncated(): void
    {
        try {
            (new Config())->set("linger.ms\0junk", '5');
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame(ErrorCode::KB_INVALID_ARGUMENT, $e->getCode());
            self::assertSame('KB_ERR_INVALID_ARGUMENT', $e->getErrorName());
            self::assertStringContainsString('NUL', $e->getMessage());
        }
    }

    public function testNonScalarValueIsATypeError(): void
    {
        $this->expectException(\TypeError::class);
        new Config(['linger.ms' => [5]]);
    }
}
