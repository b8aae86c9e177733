<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

use KafkaBridge\ErrorCode;
use KafkaBridge\Library;

/**
 * A kafkabridge call failed. getCode() is the kb_err number: librdkafka's rd_kafka_resp_err_t for
 * Kafka failures (-185 is RD_KAFKA_RESP_ERR__TIMED_OUT), KB_ERR_* (-1001..-1099) for kafkabridge's
 * own. getErrorName() is kb_err_name() (for example "_TIMED_OUT", "KB_ERR_INVALID_ARGUMENT"),
 * getLibraryMessage() the library's detailed message for this failure (kb_last_error()).
 *
 * Use {@see KafkaBridgeException::fromError()} (or {@see Library::check()}) to get the most
 * specific subclass for a code.
 */
class KafkaBridgeException extends \RuntimeException implements ExceptionInterface
{
    /** kb_last_error_flags() bits (KB_ERROR_FLAG_* in kafkabridge.h). */
    public const FLAG_RETRIABLE = 1;
    public const FLAG_FATAL = 2;
    public const FLAG_TXN_REQUIRES_ABORT = 4;

    /** @var string */
    private $errorName;

    /** @var string */
    private $libraryMessage;

    /** @var string */
    private $operation;

    /** @var bool */
    private $retriable;

    /** @var bool */
    private $fatal;

    /** @var bool */
    private $txnRequiresAbort;

    /**
     * @param int             $code           the kb_err number
     * @param string          $errorName      kb_err_name($code)
     * @param string          $libraryMessage the detailed message (kb_last_error())
     * @param string          $operation      what failed, for example "kb_producer_produce"
     * @param bool            $retriable      kb_err_is_retriable($code)
     * @param bool            $fatal          kb_err_is_fatal($code)
     * @param \Throwable|null $previous
     * @param bool            $txnRequiresAbort the transaction must be aborted (KB_ERROR_FLAG_TXN_REQUIRES_ABORT)
     */
    public function __construct(
        int $code,
        string $errorName,
        string $libraryMessage,
        string $operation = '',
        bool $retriable = false,
        bool $fatal = false,
        ?\Throwable $previous = null,
        bool $txnRequiresAbort = false
    ) {
        $this->errorName = $errorName;
        $this->libraryMessage = $libraryMessage;
        $this->operation = $operation;
        $this->retriable = $retriable;
        $this->fatal = $fatal;
        $this->txnRequiresAbort = $txnRequiresAbort;
        $text = ($operation !== '' ? $operation . ': ' : '') . $errorName . ' (' . $code . ')';
        if ($libraryMessage !== '') {
            $text .= ': ' . $libraryMessage;
        }
        parent::__construct($text, $code, $previous);
    }

    /**
     * Builds the exception for a failed call from its kb_err return value, reading this thread's
     * last error message from the library. Picks the most specific subclass for the code;
     * $preferred (a subclass of KafkaBridgeException) is used instead where the caller knows more,
     * for example ConfigException for RD_KAFKA_RESP_ERR__INVALID_ARG from kb_config_set().
     *
     * @param int         $code      a non-zero kb_err
     * @param string      $operation the C function (or method) that failed
     * @param string|null $preferred class name to use instead of the default mapping
     */
    public static function fromError(int $code, string $operation, ?string $preferred = null): self
    {
        $ffi = Library::ffi();
        $class = $preferred !== null ? $preferred : self::classFor($code);
        // Read first, on this thread, before any other call can fail and replace them: for
        // transactions these are librdkafka's own verdict, not a guess from the code.
        $flags = (int) $ffi->kb_last_error_flags();

        return new $class(
            $code,
            (string) $ffi->kb_err_name($code),
            Library::lastError($code),
            $operation,
            ($flags & self::FLAG_RETRIABLE) !== 0,
            ($flags & self::FLAG_FATAL) !== 0,
            null,
            ($flags & self::FLAG_TXN_REQUIRES_ABORT) !== 0
        );
    }

    /**
     * An error raised by the binding itself (no library call failed), with a kb_err code so it
     * is handled like the library's own errors.
     */
    public static function create(int $code, string $message, string $operation = ''): self
    {
        $class = self::classFor($code);
        $ffi = Library::ffi();

        return new $class(
            $code,
            (string) $ffi->kb_err_name($code),
            $message,
            $operation,
            $ffi->kb_err_is_retriable($code) === 1,
            $ffi->kb_err_is_fatal($code) === 1
        );
    }

    /**
     * The exception class used for a code.
     *
     * @return class-string<KafkaBridgeException>
     */
    public static function classFor(int $code): string
    {
        switch ($code) {
            case ErrorCode::TIMED_OUT:
                return TimeoutException::class;
            case ErrorCode::KB_UNKNOWN_CONFIG:
                return ConfigException::class;
            case ErrorCode::KB_CONFIG_CONFLICT:
                return ConfigConflictException::class;
            case ErrorCode::KB_INVALID_ARGUMENT:
            case ErrorCode::INVALID_ARG:
            case ErrorCode::KB_NULL_ARGUMENT:
            case ErrorCode::KB_BAD_UTF8:
                return InvalidArgumentException::class;
            case ErrorCode::KB_INVALID_STATE:
            case ErrorCode::STATE:
                return InvalidStateException::class;
            case ErrorCode::KB_INVALID_HANDLE:
                return InvalidHandleException::class;
            case ErrorCode::QUEUE_FULL:
            case ErrorCode::KB_EVENT_QUEUE_FULL:
                return QueueFullException::class;
            default:
                return self::class;
        }
    }

    /** kb_err_name() of the code, for example "_TIMED_OUT" or "KB_ERR_CONFIG_CONFLICT". */
    public function getErrorName(): string
    {
        return $this->errorName;
    }

    /** The library's detailed message for this failure (kb_last_error()); says what to fix. */
    public function getLibraryMessage(): string
    {
        return $this->libraryMessage;
    }

    /** The C function or method that failed. */
    public function getOperation(): string
    {
        return $this->operation;
    }

    /** Whether retrying the same call later may succeed (kb_err_is_retriable()). */
    public function isRetriable(): bool
    {
        return $this->retriable;
    }

    /** Whether the client that failed must be closed and created again (kb_err_is_fatal()). */
    public function isFatal(): bool
    {
        return $this->fatal;
    }

    /**
     * Whether the current transaction cannot commit any more: abort it, then begin a new one
     * (KB_ERROR_FLAG_TXN_REQUIRES_ABORT of the failed call).
     */
    public function transactionRequiresAbort(): bool
    {
        return $this->txnRequiresAbort;
    }
}
