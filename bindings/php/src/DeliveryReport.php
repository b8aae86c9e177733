<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * The outcome of one produced message: its id (as produce() returned it), where it was written,
 * or why it failed (getErr() non-zero, getErrorText()). Also what produceSync() returns.
 */
final class DeliveryReport extends Event
{
    /** @var int */
    private $messageId;

    /** @var string */
    private $topic;

    /** @var int */
    private $partition;

    /** @var int */
    private $offset;

    /** @var int */
    private $timestampMs;

    /**
     * @internal built from the library's event view or kb_delivery
     */
    public function __construct(int $messageId, string $topic, int $partition, int $offset, int $timestampMs, int $err = 0, ?string $errorText = null)
    {
        parent::__construct(self::DELIVERY, $err, $errorText);
        $this->messageId = $messageId;
        $this->topic = $topic;
        $this->partition = $partition;
        $this->offset = $offset;
        $this->timestampMs = $timestampMs;
    }

    /** The id produce()/produceBatch() returned for this message. */
    public function getMessageId(): int
    {
        return $this->messageId;
    }

    public function getTopic(): string
    {
        return $this->topic;
    }

    public function getPartition(): int
    {
        return $this->partition;
    }

    /** The offset it was written at (negative if it failed). */
    public function getOffset(): int
    {
        return $this->offset;
    }

    public function getTimestampMs(): int
    {
        return $this->timestampMs;
    }

    /** Why delivery failed; null on success. */
    public function getErrorText(): ?string
    {
        return $this->getText();
    }

    public function isDelivered(): bool
    {
        return $this->getErr() === 0;
    }
}
