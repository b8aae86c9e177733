<?php

declare(strict_types=1);

namespace RdKafka;

use RdKafka\Internal\Caller;
use RdKafka\Internal\Settings;

/**
 * A client configuration, as php-rdkafka's: librdkafka properties (validated when set) and the
 * callbacks the client runs on the PHP thread, inside poll(), flush() and consume().
 *
 * Besides librdkafka's properties it takes kafkabridge's own `bridge.*` settings, notably
 * `bridge.persistent.name`: a Producer whose Conf sets it attaches to a process-wide client of
 * that name that stays connected between PHP-FPM requests (see the README). Topic-level
 * properties may be set here too; they are then the defaults of every topic.
 *
 * Clients copy the configuration and its callbacks when created.
 */
class Conf
{
    /** @var Settings */
    private $settings;

    /** @var array<string, callable> */
    private $callbacks = [];

    /**
     * An empty configuration.
     */
    public function __construct()
    {
        $this->settings = new Settings();
    }

    /**
     * The properties that were set, name => value, sorted by name, and as in php-rdkafka's dump
     * an entry `<name>_cb` for every callback that was set (dr_msg_cb, error_cb, ...; the value
     * identifies the callback, it is not an address). Secret values (passwords, OAuth secrets,
     * private keys) are shown as "[redacted]". Unlike php-rdkafka's, librdkafka's defaults for
     * properties that were not set are not listed.
     *
     * @return array<string, string>
     */
    public function dump()
    {
        $dump = $this->settings->dump();
        foreach ($this->callbacks as $name => $callback) {
            $dump[$name . '_cb'] = sprintf('0x%x', is_object($callback) ? spl_object_id($callback) : crc32(serialize($callback)));
        }
        ksort($dump);

        return $dump;
    }

    /**
     * Sets a property, validated at once by librdkafka.
     *
     * @param string $name  a librdkafka property (global or topic-level) or a `bridge.*` setting
     * @param string $value its value (ints and bools are converted)
     *
     * @throws Exception with code RD_KAFKA_CONF_UNKNOWN or RD_KAFKA_CONF_INVALID
     *
     * @return void
     */
    public function set(string $name, $value)
    {
        $this->settings->set($name, $value);
    }

    /**
     * Makes the properties of $topic_conf the defaults of every topic.
     *
     * @deprecated as in php-rdkafka (which raises E_DEPRECATED for it, as this does): set topic
     *             properties on the Conf directly
     *
     * @param TopicConf $topic_conf
     *
     * @return void
     */
    public function setDefaultTopicConf($topic_conf)
    {
        Caller::deprecated(__METHOD__);
        if (!$topic_conf instanceof TopicConf) {
            // The extension's TypeError: its text, at the caller's line.
            throw Caller::blame(new \TypeError(sprintf('%s(): Argument #1 ($topic_conf) must be of type %s, %s given', __METHOD__, TopicConf::class, is_object($topic_conf) ? get_class($topic_conf) : gettype($topic_conf))));
        }
        foreach ($topic_conf->settings() as $name => $value) {
            $this->settings->set($name, $value);
        }
    }

    /**
     * Error callback: function ($kafka, int $err, string $reason), run inside poll(), flush()
     * and consume() for client-level errors (for example all brokers down). Without it, errors
     * are logged.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setErrorCb(callable $callback)
    {
        $this->callbacks['error'] = $callback;
    }

    /**
     * Delivery report callback: function ($kafka, RdKafka\Message $message), run inside poll()
     * and flush() once per produced message; $message->err is 0 when it was delivered.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setDrMsgCb(callable $callback)
    {
        $this->callbacks['dr_msg'] = $callback;
    }

    /**
     * Statistics callback: function ($kafka, string $json, int $json_len), run inside poll(),
     * flush() and consume() every `statistics.interval.ms`.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setStatsCb(callable $callback)
    {
        $this->callbacks['stats'] = $callback;
    }

    /**
     * Rebalance callback of a KafkaConsumer: function ($kafka, int $err, ?array $partitions),
     * $err being RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS or RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS,
     * run inside consume(). kafkabridge has already applied the assignment when it runs, so the
     * usual $kafka->assign($partitions) / $kafka->assign(null) in it is accepted and changes
     * nothing; assigning something else (other partitions, explicit offsets) is applied.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setRebalanceCb(callable $callback)
    {
        $this->callbacks['rebalance'] = $callback;
    }

    /**
     * Consume callback. Stored for compatibility; as with librdkafka's rd_kafka_consumer_poll(),
     * KafkaConsumer::consume() returns messages instead of calling it.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setConsumeCb(callable $callback)
    {
        $this->callbacks['consume'] = $callback;
    }

    /**
     * Offset commit callback: function ($kafka, int $err, array $partitions), run inside
     * consume() with the result of automatic and asynchronous commits.
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setOffsetCommitCb(callable $callback)
    {
        $this->callbacks['offset_commit'] = $callback;
    }

    /**
     * OAUTHBEARER token refresh callback: function ($kafka, ?string $oauthbearer_config), run
     * inside poll(), flush() and consume() when the client needs a token (at creation, and
     * before the current one expires, at 80% of its lifetime). It calls
     * $kafka->oauthbearerSetToken() or $kafka->oauthbearerSetTokenFailure().
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setOauthbearerTokenRefreshCb(callable $callback)
    {
        $this->callbacks['oauthbearer_token_refresh'] = $callback;
    }

    /**
     * Log callback: function ($kafka, int $level, string $facility, string $message), run
     * inside poll(), flush() and consume(). Without it, log lines go to stderr in librdkafka's
     * format (see RdKafka::setLogger()).
     *
     * @param callable $callback
     *
     * @return void
     */
    public function setLogCb(callable $callback)
    {
        $this->callbacks['log'] = $callback;
    }

    /**
     * The properties that were set, in order.
     *
     * @internal for the client classes
     *
     * @return array<string, string>
     */
    public function settings()
    {
        return $this->settings->all();
    }

    /**
     * The callbacks, by name (dr_msg, error, stats, rebalance, consume, offset_commit, log,
     * oauthbearer_token_refresh).
     *
     * @internal for the client classes
     *
     * @return array<string, callable>
     */
    public function callbacks()
    {
        return $this->callbacks;
    }

    /**
     * A deep copy.
     */
    public function __clone()
    {
        $this->settings = clone $this->settings;
    }
}
