<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

use RdKafka\Internal\MadeByTheClient;

/**
 * A read-only list of metadata items (brokers, topics, partitions, replica and ISR broker ids):
 * iterable with foreach and countable, as php-rdkafka's.
 *
 * @implements \Iterator<int, mixed>
 */
class Collection implements \Iterator, \Countable
{
    use MadeByTheClient;

    /** @var array<int, mixed> */
    private $items;

    /** @var int */
    private $position = 0;

    /**
     * @internal made by the drop-in from a metadata snapshot
     *
     * @param array<int, mixed> $items
     */
    public static function make(array $items): self
    {
        return new self($items);
    }

    private function __construct(array $items)
    {
        $this->items = array_values($items);
    }

    /**
     * The number of items.
     *
     * @return int
     */
    #[\ReturnTypeWillChange]
    public function count()
    {
        self::constructed($this->items);
        return count($this->items);
    }

    /**
     * The item at the current position (null past the end).
     *
     * @return mixed
     */
    #[\ReturnTypeWillChange]
    public function current()
    {
        self::constructed($this->items);
        return isset($this->items[$this->position]) || array_key_exists($this->position, $this->items) ? $this->items[$this->position] : null;
    }

    /**
     * The current position.
     *
     * @return int
     */
    #[\ReturnTypeWillChange]
    public function key()
    {
        self::constructed($this->items);
        return $this->position;
    }

    /**
     * Moves to the next item.
     *
     * @return void
     */
    #[\ReturnTypeWillChange]
    public function next()
    {
        self::constructed($this->items);
        $this->position++;
    }

    /**
     * Moves back to the first item.
     *
     * @return void
     */
    #[\ReturnTypeWillChange]
    public function rewind()
    {
        self::constructed($this->items);
        $this->position = 0;
    }

    /**
     * Whether the current position holds an item.
     *
     * @return bool
     */
    #[\ReturnTypeWillChange]
    public function valid()
    {
        self::constructed($this->items);
        return $this->position >= 0 && $this->position < count($this->items);
    }
}
