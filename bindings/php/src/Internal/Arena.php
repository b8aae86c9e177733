<?php

declare(strict_types=1);

namespace KafkaBridge\Internal;

use FFI\CData;

/**
 * One C buffer holding every byte string of a call (keys, values, header names and values, topic
 * names), so a call allocates and copies once instead of once per string.
 *
 * Two phases: add() the strings and keep their offsets, seal(), then take pointers with bytes()
 * and cstring(). The arena must stay referenced until the C call that reads the pointers returns.
 *
 * Pointer arithmetic caveat (seen with PHP 8.2's FFI): `$p + $n` on a pointer CData whose
 * refcount is 1 moves $p's type to the result, so $p dangles once the result is freed (a crash
 * on the next use). The base pointers therefore live in properties and are copied to a local
 * before each addition (refcount 2). Never pass `$p + $n` straight to a by-reference FFI::*
 * argument either.
 *
 * @internal
 */
final class Arena
{
    /** @var string[] */
    private $parts = [];

    /** @var int */
    private $size = 0;

    /** @var CData|null the owned uint8_t[] buffer */
    private $buffer;

    /** @var CData|null uint8_t* to its start */
    private $bytes;

    /** @var CData|null char* to its start */
    private $chars;

    /**
     * Adds binary data (NUL bytes allowed); returns its offset.
     */
    public function add(string $data): int
    {
        $offset = $this->size;
        $this->parts[] = $data;
        $this->size += strlen($data);

        return $offset;
    }

    /**
     * Adds a NUL-terminated name; returns its offset.
     */
    public function addName(string $name, string $what): int
    {
        return $this->add(Native::name($name, $what) . "\0");
    }

    /**
     * Allocates the C buffer and copies everything added into it.
     */
    public function seal(\FFI $ffi): void
    {
        $buffer = $ffi->new('uint8_t[' . max(1, $this->size) . ']');
        if ($this->size > 0) {
            $data = implode('', $this->parts);
            \FFI::memcpy($buffer, $data, $this->size);
        }
        $this->parts = [];
        $this->buffer = $buffer;
        // Array to pointer of the same element type, then pointer to pointer: a direct cast of the
        // uint8_t array to char* would reinterpret its contents as the pointer value.
        $bytes = $ffi->cast('uint8_t*', $buffer);
        $this->bytes = $bytes;
        $this->chars = $ffi->cast('char*', $bytes);
    }

    /**
     * A uint8_t* to the data added at $offset (after seal()). Valid while the arena lives.
     */
    public function bytes(int $offset): CData
    {
        /** @var CData $base */
        $base = $this->bytes;
        $pointer = $base + $offset;

        return $pointer;
    }

    /**
     * A char* to the name added at $offset (after seal()). Valid while the arena lives.
     */
    public function cstring(int $offset): CData
    {
        /** @var CData $base */
        $base = $this->chars;
        $pointer = $base + $offset;

        return $pointer;
    }
}
