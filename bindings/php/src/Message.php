<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * One consumed message, copied out of the library: key, value and header values are byte-exact
 * (NUL bytes kept); null means absent (a null value is a tombstone), "" means empty.
 *
 * A consumer error (for example ErrorCode::PARTITION_EOF with enable.partition.eof) also arrives
 * as a Message: then getErr() is non-zero and getErrorText() says why.
 */
final class Message
{
    public const TIMESTAMP_NOT_AVAILABLE = 0;
    public const TIMESTAMP_CREATE_TIME = 1;
    public const TIMESTAMP_LOG_APPEND_TIME = 2;

    /** @var string */
    private $topic;

    /** @var int */
    private $partition;

    /** @var int */
    private $offset;

    /** @var string|null */
    private $key;

    /** @var string|null */
    private $value;

    /** @var Headers */
    private $headers;

    /** @var int */
    private $timestampMs;

    /** @var int */
    private $timestampType;

    /** @var int */
    private $err;

    /** @var string|null */
    private $errorText;

    /**
     * @internal built by the consumer from the library's message view
     */
    public function __construct(
        string $topic,
        int $partition,
        int $offset,
        ?string $key,
        ?string $value,
        Headers $headers,
        int $timestampMs,
        int $timestampType,
        int $err = 0,
        ?string $errorText = null
    ) {
        $this->topic = $topic;
        $this->partition = $partition;
        $this->offset = $offset;
        $this->key = $key;
        $this->value = $value;
        $this->headers = $headers;
        $this->timestampMs = $timestampMs;
        $this->timestampType = $timestampType;
        $this->err = $err;
        $this->errorText = $errorText;
    }

    /** The topic ("" if an error message does not name one). */
    public function getTopic(): string
    {
        return $this->topic;
    }

    public function getPartition(): int
    {
        return $this->partition;
    }

    public function getOffset(): int
    {
        return $this->offset;
    }

    /** The key bytes; null if the message has no key. */
    public function getKey(): ?string
    {
        return $this->key;
    }

    /** The value bytes; null for a tombstone (no value). */
    public function getValue(): ?string
    {
        return $this->value;
    }

    public function getHeaders(): Headers
    {
        return $this->headers;
    }

    /** Milliseconds since the epoch (see getTimestampType()). */
    public function getTimestampMs(): int
    {
        return $this->timestampMs;
    }

    /** One of the TIMESTAMP_* constants. */
    public function getTimestampType(): int
    {
        return $this->timestampType;
    }

    /** 0 for a message; otherwise the consumer error this entry reports. */
    public function getErr(): int
    {
        return $this->err;
    }

    /** The error's message when getErr() is not 0, else null. */
    public function getErrorText(): ?string
    {
        return $this->errorText;
    }

    public function isError(): bool
    {
        return $this->err !== 0;
    }

    /** Whether this entry reports reaching the end of a partition (enable.partition.eof). */
    public function isPartitionEof(): bool
    {
        return $this->err === ErrorCode::PARTITION_EOF;
    }

    /** The position after this message (offset + 1), as commit() and storeOffset() take it. */
    public function nextTopicPartition(): TopicPartition
    {
        return new TopicPartition($this->topic, $this->partition, $this->offset + 1);
    }
}
