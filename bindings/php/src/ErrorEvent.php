<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * A client-level error, for example all brokers down (ErrorCode::TRANSPORT and friends). Most are
 * informational: librdkafka keeps retrying. When isFatal() the client must be closed and created
 * again.
 */
final class ErrorEvent extends Event
{
    /** @var bool */
    private $fatal;

    /**
     * @internal built from the library's event view
     */
    public function __construct(int $err, ?string $text, bool $fatal)
    {
        parent::__construct(self::ERROR, $err, $text);
        $this->fatal = $fatal;
    }

    public function isFatal(): bool
    {
        return $this->fatal;
    }

    /** The error message. */
    public function getMessage(): string
    {
        return (string) $this->getText();
    }
}
