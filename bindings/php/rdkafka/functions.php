<?php

/*
 * The rd_kafka_* functions of php-rdkafka, for the kafkabridge drop-in (namespace RdKafka\).
 *
 * Declared only when the rdkafka extension is not loaded (it has its own) and the functions do
 * not exist yet, so this file may be included more than once. The work is done by
 * RdKafka\Internal\Functions (autoloaded on first call), which asks libkafkabridge (librdkafka's
 * own error table) for names and descriptions.
 */

if (!extension_loaded('rdkafka') && !function_exists('rd_kafka_err2str')) {
    /**
     * A human-readable description of a librdkafka error code, as librdkafka's
     * rd_kafka_err2str() gives it ("Local: Timed out" for RD_KAFKA_RESP_ERR__TIMED_OUT, "Success"
     * for 0, "Err-<code>?" for a code librdkafka does not know).
     *
     * @param int $err an RD_KAFKA_RESP_ERR_* code
     *
     * @return string|null
     */
    function rd_kafka_err2str(int $err)
    {
        return \RdKafka\Internal\Functions::err2str($err);
    }

    /**
     * The symbolic name of a librdkafka error code without the RD_KAFKA_RESP_ERR_ prefix, as
     * librdkafka's rd_kafka_err2name() gives it ("_TIMED_OUT", "NO_ERROR", "ERR_<code>?" for a
     * code librdkafka does not know).
     *
     * @param int $err an RD_KAFKA_RESP_ERR_* code
     *
     * @return string|null
     */
    function rd_kafka_err2name(int $err)
    {
        return \RdKafka\Internal\Functions::err2name($err);
    }

    /**
     * librdkafka's error table: one ['code' => int, 'name' => ?string, 'desc' => ?string] entry
     * per code, in ascending order of code.
     *
     * @return array<int, array{code: int, name: string|null, desc: string|null}>
     */
    function rd_kafka_get_err_descs()
    {
        return \RdKafka\Internal\Functions::descriptions();
    }

    /**
     * Converts a system errno value to the librdkafka error code rd_kafka_errno2err() maps it to.
     *
     * @deprecated as in php-rdkafka
     *
     * @param int $errnox a system errno value
     *
     * @return int
     */
    function rd_kafka_errno2err(int $errnox)
    {
        return \RdKafka\Internal\Functions::errno2err($errnox);
    }

    /**
     * The C errno of the last librdkafka call. kafkabridge reports every failure through return
     * codes and exceptions, never through errno, so this is always 0.
     *
     * @deprecated as in php-rdkafka
     *
     * @return int
     */
    function rd_kafka_errno()
    {
        return 0;
    }

    /**
     * The logical offset $cnt messages before the end of a partition (RD_KAFKA_OFFSET_TAIL()),
     * for ConsumerTopic::consumeStart() and assign().
     *
     * @param int $cnt how many messages before the end
     *
     * @return int
     */
    function rd_kafka_offset_tail(int $cnt)
    {
        return \KafkaBridge\Offset::tail($cnt);
    }

    /**
     * The number of threads in this process other than the calling one: librdkafka's and
     * kafkabridge's background threads (rd_kafka_thread_cnt() counts librdkafka's only; the
     * library does not expose that count, so this reads /proc/self/status on Linux and returns
     * 0 where that is not available).
     *
     * @return int
     */
    function rd_kafka_thread_cnt()
    {
        return \RdKafka\Internal\Functions::threadCount();
    }
}
