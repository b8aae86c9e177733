<?php

declare(strict_types=1);

namespace KafkaBridge\Tests\RdKafka;

require_once __DIR__ . '/RdKafkaTestCase.php';

use KafkaBridge\Library;
use PHPUnit\Framework\TestCase;

/**
 * The drop-in's constants, functions and loading: librdkafka's numbers and texts, the generated
 * constants.php in step with the library, and case-insensitive class loading.
 *
 * @group brokerless
 */
final class ConstantsTest extends TestCase
{
    public function testTheExtensionIsNotLoadedSoTheDropInIsInCharge(): void
    {
        self::assertFalse(extension_loaded('rdkafka'), 'these tests exercise the drop-in, not the extension');
        self::assertTrue(defined('RD_KAFKA_PARTITION_UA'));
        self::assertTrue(function_exists('rd_kafka_err2str'));
        self::assertTrue(class_exists('RdKafka'));
        self::assertTrue((new \ReflectionClass('RdKafka'))->isAbstract());
        self::assertTrue(is_subclass_of(\RdKafka\Producer::class, 'RdKafka'));
        self::assertTrue(is_subclass_of(\RdKafka\Consumer::class, 'RdKafka'));
    }

    public function testWellKnownValues(): void
    {
        self::assertSame(-185, RD_KAFKA_RESP_ERR__TIMED_OUT);
        self::assertSame(-191, RD_KAFKA_RESP_ERR__PARTITION_EOF);
        self::assertSame(-175, RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS);
        self::assertSame(-174, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS);
        self::assertSame(-168, RD_KAFKA_RESP_ERR__NO_OFFSET);
        self::assertSame(-184, RD_KAFKA_RESP_ERR__QUEUE_FULL);
        self::assertSame(-152, RD_KAFKA_RESP_ERR__PURGE_QUEUE);
        self::assertSame(-151, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT);
        self::assertSame(-200, RD_KAFKA_RESP_ERR__BEGIN);
        self::assertSame(-100, RD_KAFKA_RESP_ERR__END);
        self::assertSame(-1, RD_KAFKA_RESP_ERR_UNKNOWN);
        self::assertSame(0, RD_KAFKA_RESP_ERR_NO_ERROR);
        self::assertSame(3, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
        self::assertSame(36, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
        self::assertSame(-1, RD_KAFKA_PARTITION_UA);
        self::assertSame(-2, RD_KAFKA_OFFSET_BEGINNING);
        self::assertSame(-1, RD_KAFKA_OFFSET_END);
        self::assertSame(-1000, RD_KAFKA_OFFSET_STORED);
        self::assertSame(4, RD_KAFKA_MSG_F_BLOCK);
        self::assertSame([1, 2, 4], [RD_KAFKA_PURGE_F_QUEUE, RD_KAFKA_PURGE_F_INFLIGHT, RD_KAFKA_PURGE_F_NON_BLOCKING]);
        self::assertSame([-2, -1, 0], [RD_KAFKA_CONF_UNKNOWN, RD_KAFKA_CONF_INVALID, RD_KAFKA_CONF_OK]);
        self::assertSame([100, 101, 102], [RD_KAFKA_LOG_PRINT, RD_KAFKA_LOG_SYSLOG, RD_KAFKA_LOG_SYSLOG_PRINT]);
        self::assertSame([0, 1], [RD_KAFKA_PRODUCER, RD_KAFKA_CONSUMER]);
        self::assertSame([2, 3, 4, 5, 6], [
            RD_KAFKA_MSG_PARTITIONER_RANDOM,
            RD_KAFKA_MSG_PARTITIONER_CONSISTENT,
            RD_KAFKA_MSG_PARTITIONER_CONSISTENT_RANDOM,
            RD_KAFKA_MSG_PARTITIONER_MURMUR2,
            RD_KAFKA_MSG_PARTITIONER_MURMUR2_RANDOM,
        ]);
    }

    /**
     * Every RD_KAFKA_RESP_ERR_* constant names its code in librdkafka's table, and every code of
     * the table has its constant.
     */
    public function testErrorConstantsMatchTheLibrarysTable(): void
    {
        $constants = [];
        foreach (get_defined_constants(true)['user'] as $name => $value) {
            if (strncmp($name, 'RD_KAFKA_RESP_ERR_', 18) === 0) {
                $constants[$name] = $value;
            }
        }
        self::assertGreaterThan(150, count($constants));
        foreach ($constants as $name => $code) {
            self::assertSame(substr($name, 18), Library::errorName($code), $name);
        }
        for ($code = -200; $code <= 1000; $code++) {
            $name = Library::errorName($code);
            if ($name === 'UNKNOWN' && $code !== -1) {
                continue;
            }
            self::assertArrayHasKey('RD_KAFKA_RESP_ERR_' . $name, $constants, 'code ' . $code);
            self::assertSame($code, $constants['RD_KAFKA_RESP_ERR_' . $name]);
        }
    }

    /**
     * constants.php is what the generator makes from this library now (regenerate it after a
     * librdkafka upgrade).
     */
    public function testGeneratedFileIsCurrent(): void
    {
        $root = dirname(__DIR__, 2);
        $generated = shell_exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg($root . '/rdkafka/tools/generate-constants.php'));
        self::assertIsString($generated);
        self::assertSame(file_get_contents($root . '/rdkafka/constants.php'), $generated, 'run: php bindings/php/rdkafka/tools/generate-constants.php > bindings/php/rdkafka/constants.php');
        $version = Library::librdkafkaVersion();
        preg_match('/^(\d+)\.(\d+)\.(\d+)/', $version, $m);
        self::assertSame(((int) $m[1] << 24) | ((int) $m[2] << 16) | ((int) $m[3] << 8) | 0xff, RD_KAFKA_VERSION);
    }

    public function testErr2strAndErr2nameAsLibrdkafka(): void
    {
        self::assertSame('Local: Timed out', rd_kafka_err2str(RD_KAFKA_RESP_ERR__TIMED_OUT));
        self::assertSame('_TIMED_OUT', rd_kafka_err2name(RD_KAFKA_RESP_ERR__TIMED_OUT));
        self::assertSame('Success', rd_kafka_err2str(0));
        self::assertSame('NO_ERROR', rd_kafka_err2name(0));
        self::assertSame('Broker: Unknown topic or partition', rd_kafka_err2str(3));
        self::assertSame('UNKNOWN_TOPIC_OR_PART', rd_kafka_err2name(3));
        self::assertSame('Local: Broker transport failure', rd_kafka_err2str(RD_KAFKA_RESP_ERR__TRANSPORT));
        self::assertSame('Unknown broker error', rd_kafka_err2str(-1));
        self::assertSame('UNKNOWN', rd_kafka_err2name(-1));
        // Codes librdkafka has no text for, as librdkafka formats them.
        self::assertSame('Err-12345?', rd_kafka_err2str(12345));
        self::assertSame('ERR_12345?', rd_kafka_err2name(12345));
        self::assertSame('Err--200?', rd_kafka_err2str(RD_KAFKA_RESP_ERR__BEGIN));
        self::assertSame('_BEGIN', rd_kafka_err2name(RD_KAFKA_RESP_ERR__BEGIN));
    }

    public function testGetErrDescs(): void
    {
        $descs = rd_kafka_get_err_descs();
        self::assertGreaterThan(150, count($descs));
        $byCode = [];
        $previous = PHP_INT_MIN;
        foreach ($descs as $desc) {
            self::assertSame(['code', 'name', 'desc'], array_keys($desc));
            self::assertGreaterThan($previous, $desc['code']);
            $previous = $desc['code'];
            $byCode[$desc['code']] = $desc;
        }
        self::assertSame(['code' => -185, 'name' => '_TIMED_OUT', 'desc' => 'Local: Timed out'], $byCode[-185]);
        self::assertSame(['code' => 0, 'name' => 'NO_ERROR', 'desc' => 'Success'], $byCode[0]);
        self::assertNull($byCode[-200]['desc']);
    }

    public function testOtherFunctions(): void
    {
        self::assertSame(-2010, rd_kafka_offset_tail(10));
        self::assertSame(-2000, rd_kafka_offset_tail(0));
        self::assertSame(RD_KAFKA_RESP_ERR__TIMED_OUT, rd_kafka_errno2err(110));
        self::assertSame(RD_KAFKA_RESP_ERR__INVALID_ARG, rd_kafka_errno2err(22));
        self::assertSame(RD_KAFKA_RESP_ERR__FAIL, rd_kafka_errno2err(9999));
        self::assertSame(0, rd_kafka_errno());
        self::assertGreaterThanOrEqual(0, rd_kafka_thread_cnt());
    }

    /**
     * Class names are case-insensitive: `new Rdkafka\Consumer` (lower-case k) must load
     * RdKafka\Consumer, whatever was loaded before. Checked in a fresh process.
     */
    public function testAutoloadIsCaseInsensitive(): void
    {
        $autoload = dirname(__DIR__, 2) . '/rdkafka/autoload.php';
        $code = 'require ' . var_export($autoload, true) . ';'
            . '$c = new Rdkafka\\Conf(); $t = new RDKAFKA\\TOPICCONF(); $tp = new rdkafka\\topicpartition("t", 1, 2);'
            . '$k = new Rdkafka\\Consumer($c);'
            . 'echo get_class($c), " ", get_class($t), " ", get_class($tp), " ", get_class($k), " ", $k instanceof \\rdkafka ? "base" : "-";';
        $out = shell_exec(escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg($code) . ' 2>&1');
        self::assertSame('RdKafka\\Conf RdKafka\\TopicConf RdKafka\\TopicPartition RdKafka\\Consumer base', $out);
    }

    /**
     * The autoloader's table names every class file of the drop-in, and each declares the class
     * it is listed for.
     */
    public function testAutoloadTableCoversEveryClass(): void
    {
        $dir = dirname(__DIR__, 2) . '/rdkafka';
        $files = [];
        $iterator = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($dir, \FilesystemIterator::SKIP_DOTS));
        foreach ($iterator as $file) {
            $relative = substr($file->getPathname(), strlen($dir) + 1);
            if (substr($relative, -4) !== '.php' || in_array($relative, ['autoload.php', 'constants.php', 'functions.php'], true) || strncmp($relative, 'tools/', 6) === 0) {
                continue;
            }
            $files[] = $relative;
        }
        sort($files);
        $source = (string) file_get_contents($dir . '/autoload.php');
        preg_match_all("/'([a-z\\\\\\\\]+)' => '([A-Za-z\\/]+\\.php)'/", $source, $m, PREG_SET_ORDER);
        $listed = [];
        foreach ($m as $entry) {
            $class = str_replace('\\\\', '\\', $entry[1]);
            $listed[] = $entry[2];
            $expected = $entry[2] === 'RdKafka.php' ? 'rdkafka' : 'rdkafka\\' . strtolower(str_replace('/', '\\', substr($entry[2], 0, -4)));
            self::assertSame($expected, $class, $entry[2]);
            self::assertTrue(class_exists($class) || interface_exists($class) || trait_exists($class), $class);
        }
        sort($listed);
        self::assertSame($files, $listed);
    }

    /**
     * With the extension loaded nothing is defined: the files return at once. Simulated by
     * checking the guards are the first statements (the extension is not installed here).
     */
    public function testFilesAreGuardedByExtensionLoaded(): void
    {
        $dir = dirname(__DIR__, 2) . '/rdkafka';
        foreach (['autoload.php', 'constants.php', 'functions.php'] as $file) {
            $code = (string) file_get_contents($dir . '/' . $file);
            $code = (string) preg_replace('~/\*.*?\*/~s', '', $code);
            $firstStatement = trim((string) strtok(substr(ltrim($code), 5), ';{'));
            self::assertStringContainsString("extension_loaded('rdkafka')", $firstStatement, $file);
        }
    }
}
