<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A consumed message, a delivery report (the dr_msg_cb's second argument) or a consumer error,
 * with php-rdkafka's public fields. `err` is 0 for a message, else an RD_KAFKA_RESP_ERR_* code
 * (for example RD_KAFKA_RESP_ERR__PARTITION_EOF, or RD_KAFKA_RESP_ERR__TIMED_OUT for a
 * KafkaConsumer::consume() that got nothing), and then `payload` holds the error text.
 */
class Message
{
    /** @var int 0, or an RD_KAFKA_RESP_ERR_* code */
    public $err = 0;

    /** @var string|null the topic name (null when the entry names none) */
    public $topic_name = null;

    /** @var int|null milliseconds since the epoch, -1 if unknown; set when there is a payload */
    public $timestamp = null;

    /** @var int the partition */
    public $partition = 0;

    /** @var string|null the value bytes (null: a tombstone); the error text for an error entry */
    public $payload = null;

    /** @var int|null strlen($payload) when there is a payload */
    public $len = null;

    /** @var string|null the key bytes (null: no key) */
    public $key = null;

    /** @var int the offset */
    public $offset = 0;

    /** @var array<string, string|null> the headers, name => value (for a repeated name the last one) */
    public $headers = [];

    /** @var string|null the opaque given to produce()/producev() (delivery reports only) */
    public $opaque = null;

    /**
     * The error's description (rd_kafka_err2str($this->err)): "Success" for a message.
     *
     * @return string|null
     */
    public function errstr()
    {
        return Internal\Functions::err2str((int) $this->err);
    }
}
