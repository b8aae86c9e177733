<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Exception\LibraryException;
use KafkaBridge\Library;
use PHPUnit\Framework\TestCase;

/**
 * Both ways of loading the library (FFI::cdef at run time, FFI::scope of a preloaded header) and
 * the messages that say what to fix when loading fails. The preload and failure cases run in a
 * child PHP with its own ini settings and environment.
 *
 * @group brokerless
 */
final class LoadingTest extends TestCase
{
    private const REPO = __DIR__ . '/../../..';

    public function testModeMatchesHowThisPhpWasStarted(): void
    {
        $preloaded = (string) ini_get('ffi.preload') !== '';
        self::assertSame($preloaded ? Library::MODE_PRELOAD : Library::MODE_CDEF, Library::mode());
        self::assertSame(Library::ffi(), Library::ffi(), 'one FFI instance per process');
    }

    public function testVersions(): void
    {
        self::assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', Library::version());
        self::assertStringStartsWith('2.', Library::librdkafkaVersion());
    }

    public function testDefaultChildUsesCdef(): void
    {
        $result = $this->runChild([], [], true);
        self::assertSame('cdef', $result['mode'] ?? null, json_encode($result) ?: '');
        $this->assertRoundTrip($result);
    }

    public function testPreloadedHeaderIsUsedThroughScope(): void
    {
        $header = realpath(self::REPO . '/target/release/kafkabridge_preload.h');
        self::assertNotFalse($header, 'target/release/kafkabridge_preload.h is missing: run make build');
        self::assertStringContainsString('#define FFI_SCOPE "kafkabridge"', (string) file_get_contents($header));
        // The library path from the preload header, not a variable: proves FFI::scope() is used.
        $result = $this->runChild(['ffi.preload' => $header], ['KAFKABRIDGE_LIB' => '/nonexistent/libkafkabridge.so'], true);
        self::assertSame('preload', $result['mode'] ?? null, json_encode($result) ?: '');
        $this->assertRoundTrip($result);
    }

    public function testDisabledFfiSaysHowToEnableIt(): void
    {
        $result = $this->runChild(['ffi.enable' => '0'], [], false);
        self::assertSame(LibraryException::class, $result['error'] ?? null, json_encode($result) ?: '');
        self::assertStringContainsString('ffi.enable=true', $result['message']);
        self::assertStringContainsString('ffi.preload=', $result['message']);
        self::assertStringContainsString('kafkabridge_preload.h', $result['message']);
    }

    public function testMissingLibrarySaysToBuildItOrSetTheVariable(): void
    {
        $result = $this->runChild([], ['KAFKABRIDGE_LIB' => '/nonexistent/libkafkabridge.so'], false);
        self::assertSame(LibraryException::class, $result['error'] ?? null, json_encode($result) ?: '');
        self::assertStringContainsString('/nonexistent/libkafkabridge.so', $result['message']);
        self::assertStringContainsString('make build', $result['message']);
        self::assertStringContainsString('KAFKABRIDGE_LIB', $result['message']);

        $result = $this->runChild([], ['KAFKABRIDGE_LIB' => 'libkafkabridge-not-installed.so'], false);
        self::assertSame(LibraryException::class, $result['error'] ?? null, json_encode($result) ?: '');
        self::assertStringContainsString('make install', $result['message']);
    }

    public function testMissingHeaderIsNamed(): void
    {
        $result = $this->runChild([], ['KAFKABRIDGE_HEADER' => '/nonexistent/kafkabridge_ffi.h'], false);
        self::assertSame(LibraryException::class, $result['error'] ?? null, json_encode($result) ?: '');
        self::assertStringContainsString('/nonexistent/kafkabridge_ffi.h', $result['message']);
        self::assertStringContainsString('KAFKABRIDGE_HEADER', $result['message']);
    }

    public function testPreloadHeaderAsCdefHeaderIsAccepted(): void
    {
        $header = (string) realpath(self::REPO . '/target/release/kafkabridge_preload.h');
        $result = $this->runChild([], ['KAFKABRIDGE_HEADER' => $header], false);
        self::assertSame('cdef', $result['mode'] ?? null, json_encode($result) ?: '');
    }

    /**
     * @param array<string, mixed> $result
     */
    private function assertRoundTrip(array $result): void
    {
        self::assertSame(0, $result['offset'] ?? null, json_encode($result) ?: '');
        self::assertSame(bin2hex("pre\0load"), $result['value'] ?? null);
        self::assertSame('00', $result['header'] ?? null);
    }

    /**
     * Runs tests/fixtures/loader.php in a child PHP and decodes its JSON line.
     *
     * @param array<string, string> $ini
     * @param array<string, string> $env  added to (or replacing) this process's environment
     *
     * @return array<string, mixed>
     */
    private function runChild(array $ini, array $env, bool $roundTrip): array
    {
        $cmd = [PHP_BINARY];
        foreach ($ini as $key => $value) {
            $cmd[] = '-d';
            $cmd[] = $key . '=' . $value;
        }
        $cmd[] = __DIR__ . '/fixtures/loader.php';
        if ($roundTrip) {
            $cmd[] = '--round-trip';
        }
        $environment = getenv();
        unset($environment['KAFKABRIDGE_LIB'], $environment['KAFKABRIDGE_HEADER']);
        $process = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env + $environment);
        self::assertIsResource($process);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($process);
        $lines = array_values(array_filter(explode("\n", $stdout), 'strlen'));
        $last = $lines === [] ? '' : $lines[count($lines) - 1];
        $result = json_decode($last, true);
        self::assertIsArray($result, 'child printed no JSON (exit ' . $status . "):\n" . $stdout . $stderr);
        self::assertSame(isset($result['error']) ? 3 : 0, $status, $stdout . $stderr);

        return $result;
    }
}
