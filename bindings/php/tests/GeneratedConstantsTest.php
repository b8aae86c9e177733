<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Library;
use KafkaBridge\Native\Constants;
use PHPUnit\Framework\TestCase;

/**
 * The generated Native\Constants (tools/gen-constants.py) agree with the loaded library: every
 * error code is the one kb_err_name() gives its name to. No broker needed.
 *
 * @group brokerless
 */
final class GeneratedConstantsTest extends TestCase
{
    public function testErrorCodesMatchTheLibrarysNames(): void
    {
        $checked = 0;
        foreach ((new \ReflectionClass(Constants::class))->getConstants() as $name => $value) {
            if (strncmp($name, 'KB_ERR_', 7) === 0) {
                self::assertSame($name, Library::errorName($value));
            } elseif (strncmp($name, 'RD_KAFKA_RESP_ERR_', 18) === 0) {
                self::assertSame(substr($name, 18), Library::errorName($value));
            } else {
                continue;
            }
            $checked++;
        }
        self::assertSame('NO_ERROR', Library::errorName(Constants::KB_OK));
        self::assertGreaterThan(20, $checked);
    }
}
