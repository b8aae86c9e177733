<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Headers;
use PHPUnit\Framework\TestCase;

/**
 * Headers: an ordered list with repeated names and null values.
 *
 * @group brokerless
 */
final class HeadersTest extends TestCase
{
    public function testOrderRepeatsAndNulls(): void
    {
        $headers = Headers::fromArray([['a', '1'], ['b', null], ['a', "2\0"]]);
        self::assertCount(3, $headers);
        self::assertSame([['a', '1'], ['b', null], ['a', "2\0"]], $headers->all());
        self::assertSame("2\0", $headers->get('a'), 'the last value of a repeated name');
        self::assertSame(['1', "2\0"], $headers->getAll('a'));
        self::assertTrue($headers->has('b'));
        self::assertNull($headers->get('b'));
        self::assertFalse($headers->has('c'));
        self::assertNull($headers->get('c'));
        self::assertSame(['a' => "2\0", 'b' => null], $headers->toArray());

        $pairs = [];
        foreach ($headers as $name => $value) {
            $pairs[] = [$name, $value];
        }
        self::assertSame($headers->all(), $pairs, 'iteration keeps repeats');

        $more = $headers->with('c', '');
        self::assertCount(4, $more);
        self::assertCount(3, $headers, 'with() returns a copy');
    }

    public function testFromMap(): void
    {
        self::assertSame([['x', 'y'], ['123', null]], Headers::fromArray(['x' => 'y', '123' => null])->all());
    }

    public function testBadPairIsATypeError(): void
    {
        $this->expectException(\TypeError::class);
        new Headers([['name']]);
    }
}
