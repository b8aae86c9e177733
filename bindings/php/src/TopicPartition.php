<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * A topic partition with an offset, as passed to assign/commit/seek/pause and returned by
 * assignment/committed/position/offsetsForTimes and rebalance/commit events. Immutable.
 */
final class TopicPartition
{
    /** @var string */
    private $topic;

    /** @var int */
    private $partition;

    /** @var int */
    private $offset;

    /** @var string|null */
    private $metadata;

    /** @var int */
    private $err;

    /**
     * @param string      $topic     topic name
     * @param int         $partition partition, -1 for "the whole topic" in subscription()
     * @param int         $offset    an offset or one of the Offset constants (for commits: the
     *                               next offset to read; for offsetsForTimes(): a timestamp in ms)
     * @param string|null $metadata  commit metadata (bytes)
     * @param int         $err       per-partition error (output only), 0 if none
     */
    public function __construct(string $topic, int $partition, int $offset = Offset::INVALID, ?string $metadata = null, int $err = 0)
    {
        $this->topic = $topic;
        $this->partition = $partition;
        $this->offset = $offset;
        $this->metadata = $metadata;
        $this->err = $err;
    }

    public function getTopic(): string
    {
        return $this->topic;
    }

    public function getPartition(): int
    {
        return $this->partition;
    }

    /** An offset or one of the Offset constants (Offset::INVALID: none). */
    public function getOffset(): int
    {
        return $this->offset;
    }

    public function getMetadata(): ?string
    {
        return $this->metadata;
    }

    /** The per-partition error (kb_err) of an output list, 0 if none. */
    public function getErr(): int
    {
        return $this->err;
    }

    /** A copy with another offset. */
    public function withOffset(int $offset): self
    {
        $copy = clone $this;
        $copy->offset = $offset;

        return $copy;
    }

    /** A copy with commit metadata. */
    public function withMetadata(?string $metadata): self
    {
        $copy = clone $this;
        $copy->metadata = $metadata;

        return $copy;
    }

    /** "topic[partition]@offset", for messages and logs. */
    public function __toString(): string
    {
        return $this->topic . '[' . $this->partition . ']@' . $this->offset;
    }
}
