<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\Native\Constants;
use KafkaBridge\Producer;
use PHPUnit\Framework\TestCase;

/**
 * Producer's packed encoder against the shared golden vectors (tests/vectors/packed.json at the
 * repository root), which the Rust decoder and the Python encoder are tested against too: each
 * valid case must encode to exactly its bytes. No broker needed.
 *
 * @group brokerless
 */
final class PackedVectorsTest extends TestCase
{
    private const VECTORS = __DIR__ . '/../../../tests/vectors/packed.json';

    /** @return iterable<string, array{0: list<array{key: ?string, value: ?string}>, 1: string}> */
    public static function validCases(): iterable
    {
        $doc = json_decode((string) file_get_contents(self::VECTORS), true, 512, JSON_THROW_ON_ERROR);
        foreach ($doc['valid'] as $case) {
            $records = array_map(static function (array $r): array {
                return ['key' => self::bytes($r['key']), 'value' => self::bytes($r['value'])];
            }, $case['records']);
            yield $case['name'] => [$records, $case['packed']];
        }
    }

    /**
     * @dataProvider validCases
     *
     * @param list<array{key: ?string, value: ?string}> $records
     */
    public function testEncodesToTheVectorBytes(array $records, string $packedHex): void
    {
        // pack() is the private step of produceBatch() that builds the buffer; the topic is the
        // batch's, not part of the buffer.
        $pack = new \ReflectionMethod(Producer::class, 'pack');
        $pack->setAccessible(true);
        $result = $pack->invoke(null, $records, 't');
        self::assertNotNull($result, 'the packed path refused a batch of keys and values');
        self::assertSame('t', $result[0]);
        self::assertSame($packedHex, bin2hex($result[1]));
    }

    /** The absent marker the encoder writes is KB_PACKED_ABSENT, little-endian. */
    public function testAbsentMarkerIsTheHeaderConstant(): void
    {
        $absent = new \ReflectionClassConstant(Producer::class, 'PACKED_ABSENT');
        self::assertSame(pack('V', Constants::KB_PACKED_ABSENT), $absent->getValue());
    }

    private static function bytes(?string $hex): ?string
    {
        return $hex === null ? null : (string) hex2bin($hex);
    }
}
