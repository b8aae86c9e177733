<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * Message headers: an ordered list of (name, value) pairs. Names may repeat; a value may be null
 * (a header without value) or any bytes, NUL bytes included.
 *
 * Iterating yields name => value in order (repeated names repeat as keys).
 *
 * @implements \IteratorAggregate<string, string|null>
 */
final class Headers implements \Countable, \IteratorAggregate
{
    /** @var array<int, array{0: string, 1: string|null}> */
    private $pairs;

    /**
     * @param array<int, array{0: string, 1: string|null}> $pairs [name, ?value] pairs, in order
     */
    public function __construct(array $pairs = [])
    {
        $this->pairs = [];
        foreach ($pairs as $pair) {
            if (!is_array($pair) || !isset($pair[0]) || !is_string($pair[0]) || !array_key_exists(1, $pair)
                || ($pair[1] !== null && !is_string($pair[1]))) {
                throw new \TypeError('a header pair must be [string $name, ?string $value]');
            }
            $this->pairs[] = [$pair[0], $pair[1]];
        }
    }

    /**
     * From a map (name => ?value) or a list of [name, ?value] pairs, as produce() accepts.
     *
     * @param array<int|string, string|null|array{0: string, 1: string|null}> $headers
     */
    public static function fromArray(array $headers): self
    {
        return new self(Internal\Native::headerPairs($headers));
    }

    /**
     * The value of the last header named $name (the one a map would keep), null if there is none
     * or its value is null (use has() to tell them apart).
     */
    public function get(string $name): ?string
    {
        $found = null;
        foreach ($this->pairs as $pair) {
            if ($pair[0] === $name) {
                $found = $pair[1];
            }
        }

        return $found;
    }

    /**
     * Every value of the headers named $name, in order.
     *
     * @return array<int, string|null>
     */
    public function getAll(string $name): array
    {
        $values = [];
        foreach ($this->pairs as $pair) {
            if ($pair[0] === $name) {
                $values[] = $pair[1];
            }
        }

        return $values;
    }

    /** Whether a header named $name exists (even with a null value). */
    public function has(string $name): bool
    {
        foreach ($this->pairs as $pair) {
            if ($pair[0] === $name) {
                return true;
            }
        }

        return false;
    }

    /**
     * Every header as [name, ?value] pairs, in order, repeats included.
     *
     * @return array<int, array{0: string, 1: string|null}>
     */
    public function all(): array
    {
        return $this->pairs;
    }

    /**
     * The headers as a map name => ?value; for a repeated name the last value wins (as in
     * php-rdkafka's Message::$headers).
     *
     * @return array<string, string|null>
     */
    public function toArray(): array
    {
        $map = [];
        foreach ($this->pairs as $pair) {
            $map[$pair[0]] = $pair[1];
        }

        return $map;
    }

    /** A copy with one more header at the end. */
    public function with(string $name, ?string $value): self
    {
        $copy = clone $this;
        $copy->pairs[] = [$name, $value];

        return $copy;
    }

    public function count(): int
    {
        return count($this->pairs);
    }

    /**
     * @return \Generator<string, string|null>
     */
    public function getIterator(): \Generator
    {
        foreach ($this->pairs as $pair) {
            yield $pair[0] => $pair[1];
        }
    }
}
