<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A failure that carries librdkafka's error flags, thrown by the transactional producer calls
 * (initTransactions, beginTransaction, commitTransaction, abortTransaction) as in php-rdkafka.
 * getMessage() is the detailed message followed by the error's name, as the extension words it
 * ("The Transactional API requires transactional.id to be configured
 * (RD_KAFKA_RESP_ERR__NOT_CONFIGURED)"), getCode() the code and getErrorString() the detailed
 * message alone.
 */
class KafkaErrorException extends Exception
{
    /** @var string */
    private $error_string;

    /** @var bool */
    private $isFatal;

    /** @var bool */
    private $isRetriable;

    /** @var bool */
    private $transactionRequiresAbort;

    /**
     * @param string          $message                  the message
     * @param int             $code                     the librdkafka error code
     * @param string          $error_string             the detailed message
     * @param bool            $isFatal                  the client must be recreated
     * @param bool            $isRetriable              retrying the call may succeed
     * @param bool            $transactionRequiresAbort the transaction must be aborted
     * @param \Throwable|null $previous                 the kafkabridge exception, if any
     */
    public function __construct(string $message, int $code, string $error_string = '', bool $isFatal = false, bool $isRetriable = false, bool $transactionRequiresAbort = false, ?\Throwable $previous = null)
    {
        parent::__construct($message, $code, $previous);
        $this->error_string = $error_string;
        $this->isFatal = $isFatal;
        $this->isRetriable = $isRetriable;
        $this->transactionRequiresAbort = $transactionRequiresAbort;
    }

    /**
     * The detailed error message.
     *
     * @return string
     */
    public function getErrorString()
    {
        return $this->error_string;
    }

    /**
     * Whether the error is fatal: the producer must be destroyed and created again.
     *
     * @return bool
     */
    public function isFatal()
    {
        return $this->isFatal;
    }

    /**
     * Whether retrying the same call may succeed.
     *
     * @return bool
     */
    public function isRetriable()
    {
        return $this->isRetriable;
    }

    /**
     * Whether the current transaction must be aborted (abortTransaction()) before a new one.
     *
     * @return bool
     */
    public function transactionRequiresAbort()
    {
        return $this->transactionRequiresAbort;
    }
}
