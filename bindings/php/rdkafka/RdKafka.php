<?php

declare(strict_types=1);

use KafkaBridge\Client;
use KafkaBridge\Config;
use KafkaBridge\Exception\KafkaBridgeException;
use RdKafka\Conf;
use RdKafka\Internal\Clock;
use RdKafka\Internal\Convert;
use RdKafka\Internal\Dispatcher;
use RdKafka\Internal\Errors;
use RdKafka\Internal\Tokens;
use RdKafka\Metadata;
use RdKafka\TopicConf;

/**
 * php-rdkafka's base class of RdKafka\Producer and RdKafka\Consumer (the legacy consumer), in
 * the global namespace as in the extension, implemented on kafkabridge.
 *
 * A kafkabridge client is created from one configuration, so the drop-in creates its clients
 * lazily, on the first call that needs one (produce, consumeStart, poll, getMetadata, ...; at
 * construction with an OAUTHBEARER token refresh callback, which the client calls at once),
 * from the Conf plus what addBrokers() and setLogLevel() added by then. A topic whose TopicConf
 * changes properties of the Conf gets a client of its own (see RdKafka\TopicConf). Settings
 * librdkafka refuses therefore surface as an RdKafka\Exception from that first call rather
 * than from the constructor.
 *
 * Callbacks (Conf::setDrMsgCb() and friends) run on the PHP thread inside poll(), flush() and
 * the consume calls, as in php-rdkafka.
 */
abstract class RdKafka
{
    /** @var Dispatcher */
    protected $dispatcher;

    /** @var array<string, string> the Conf's properties, copied at construction */
    protected $confSettings = [];

    /** @var string[] brokers from addBrokers() */
    protected $brokers = [];

    /** @var int|null from setLogLevel() */
    protected $logLevel;

    /** @var array<string, true> topics made with newTopic(), for getMetadata(false, null, ...) */
    protected $knownTopics = [];

    /**
     * The kafkabridge clients created so far, by topic configuration key ('' for the Conf's own).
     *
     * @var array<string, Client>
     */
    protected $clients = [];

    /**
     * The kafkabridge clients created so far, by topic configuration key ('' for the Conf's own).
     *
     * @return array<string, Client>
     */
    protected function bridgeClients(): array
    {
        return $this->clients;
    }

    /**
     * The client for the Conf's own settings, else any client already open, else a new one.
     *
     * @throws RdKafka\Exception when it cannot be created
     */
    protected function defaultClient(): Client
    {
        if (isset($this->clients[''])) {
            return $this->clients[''];
        }
        foreach ($this->clients as $client) {
            return $client;
        }

        return $this->openDefaultClient();
    }

    /**
     * Creates (and records in $clients) the client for the Conf's own settings.
     *
     * @throws RdKafka\Exception when it cannot be created
     */
    abstract protected function openDefaultClient(): Client;

    /**
     * Moves up to 1000 events of $client into the dispatcher, waiting up to $waitMs for the
     * first; returns how many came.
     */
    abstract protected function drainClient(Client $client, string $key, int $waitMs): int;

    /**
     * Sets up the callbacks and settings from $conf.
     *
     * @internal for the subclasses' constructors
     */
    protected function init(?Conf $conf, string $type): void
    {
        $this->confSettings = $conf === null ? [] : $conf->settings();
        $this->dispatcher = new Dispatcher($this, $conf === null ? [] : $conf->callbacks(), $type);
        if ($this->dispatcher->callback('oauthbearer_token_refresh') !== null) {
            // The client asks for its first token when created: at once, as the extension's,
            // so that the first poll() runs the refresh callback.
            $this->openDefaultClient();
        }
    }

    /**
     * Adds brokers ("host:port,host:port") to those the clients bootstrap from. Clients that
     * already exist keep their brokers; the ones created later use them.
     *
     * @param string $broker_list comma-separated host:port pairs
     *
     * @return int the number of brokers added
     */
    public function addBrokers(string $broker_list)
    {
        $added = 0;
        foreach (preg_split('/[\s,]+/', $broker_list, -1, PREG_SPLIT_NO_EMPTY) ?: [] as $broker) {
            $this->brokers[] = $broker;
            $added++;
        }

        return $added;
    }

    /**
     * Fetches cluster metadata: all topics, only $only_topic, or (with $all_topics false and no
     * topic) the topics this client made with newTopic().
     *
     * @param bool                $all_topics
     * @param RdKafka\Topic|null $only_topic
     * @param int                 $timeout_ms
     *
     * @throws RdKafka\Exception for example RD_KAFKA_RESP_ERR__TIMED_OUT
     *
     * @return Metadata
     */
    public function getMetadata(bool $all_topics, $only_topic, int $timeout_ms)
    {
        if ($only_topic !== null && !$only_topic instanceof RdKafka\Topic) {
            throw new \TypeError(static::class . '::getMetadata(): Argument #2 ($only_topic) must be of type ?RdKafka\\Topic, ' . gettype($only_topic) . ' given');
        }
        $client = $this->defaultClient();
        $name = $only_topic === null ? null : $only_topic->getName();
        try {
            $md = $client->metadata($name, $timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $known = $this->knownTopics;
        $keep = null;
        if ($name !== null) {
            $keep = static function (string $topic) use ($name): bool {
                return $topic === $name;
            };
        } elseif (!$all_topics) {
            $keep = static function (string $topic) use ($known): bool {
                return isset($known[$topic]);
            };
        }

        return Metadata::fromBridge($md, $keep);
    }

    /**
     * Alias of getMetadata().
     *
     * @deprecated as in php-rdkafka
     *
     * @param bool                $all_topics
     * @param RdKafka\Topic|null $only_topic
     * @param int                 $timeout_ms
     *
     * @return Metadata
     */
    public function metadata(bool $all_topics, $only_topic, int $timeout_ms)
    {
        return $this->getMetadata($all_topics, $only_topic, $timeout_ms);
    }

    /**
     * Messages and events not yet handled: queued or in flight to the brokers plus delivery
     * reports and other events waiting for poll().
     *
     * @return int
     */
    public function getOutQLen()
    {
        return $this->dispatcher->pendingCount();
    }

    /**
     * Alias of getOutQLen().
     *
     * @deprecated as in php-rdkafka
     *
     * @return int
     */
    public function outqLen()
    {
        return $this->getOutQLen();
    }

    /**
     * The highest syslog level (LOG_EMERG 0 .. LOG_DEBUG 7) of log lines to pass on. Clients
     * created afterwards also get it as their `log_level`.
     *
     * @deprecated as in php-rdkafka: set the `log_level` property
     *
     * @param int $level
     *
     * @return void
     */
    public function setLogLevel(int $level)
    {
        $this->logLevel = $level;
        $this->dispatcher->setLogLevel($level);
    }

    /**
     * Where log lines go: RD_KAFKA_LOG_PRINT (stderr, librdkafka's format; the default without
     * a log callback), RD_KAFKA_LOG_SYSLOG or RD_KAFKA_LOG_SYSLOG_PRINT. Replaces the log
     * callback.
     *
     * @deprecated as in php-rdkafka: use Conf::setLogCb()
     *
     * @param int $logger
     *
     * @throws RdKafka\Exception for another value
     *
     * @return void
     */
    public function setLogger(int $logger)
    {
        $this->dispatcher->setLogger($logger);
    }

    /**
     * A topic handle: RdKafka\ProducerTopic for a Producer, RdKafka\ConsumerTopic for a Consumer.
     *
     * @param string         $topic_name
     * @param TopicConf|null $topic_conf topic-level properties
     *
     * @return RdKafka\Topic
     */
    abstract public function newTopic(string $topic_name, $topic_conf = null);

    /**
     * Serves events: delivery reports, errors, logs, statistics, each through its callback.
     * Waits up to $timeout_ms (-1: without limit) for the first, then serves all that are ready.
     *
     * @param int $timeout_ms
     *
     * @return int the number of events served
     */
    public function poll(int $timeout_ms)
    {
        $deadline = Clock::deadline($timeout_ms);
        $served = $this->dispatcher->dispatch();
        while (true) {
            $this->collect($served > 0 ? 0 : Clock::remaining($deadline));
            $served += $this->dispatcher->dispatch();
            if ($served > 0 || Clock::passed($deadline) || $timeout_ms === 0) {
                return $served;
            }
        }
    }

    /**
     * Waits until every produced message is delivered or failed, serving their callbacks.
     * Nothing to wait for on a consumer.
     *
     * @param int $timeout_ms
     *
     * @return int 0, or RD_KAFKA_RESP_ERR__TIMED_OUT if messages were still in flight
     */
    public function flush(int $timeout_ms)
    {
        $this->collect(0);
        $this->dispatcher->dispatch();

        return 0;
    }

    /**
     * Purges messages queued or in flight (producers only).
     *
     * @param int $purge_flags RD_KAFKA_PURGE_F_* flags
     *
     * @return int an error code, 0 on success
     */
    public function purge(int $purge_flags)
    {
        return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED; // only producers purge
    }

    /**
     * Asks the broker for the low (first) and high (next to be written) offsets of a partition.
     *
     * @param string $topic
     * @param int    $partition
     * @param int    $low       set to the low watermark
     * @param int    $high      set to the high watermark
     * @param int    $timeout_ms
     *
     * @throws RdKafka\Exception
     *
     * @return void
     */
    public function queryWatermarkOffsets(string $topic, int $partition, &$low, &$high, int $timeout_ms)
    {
        try {
            list($low, $high) = $this->defaultClient()->watermarks($topic, $partition, $timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The id of the cluster's controller broker, waiting up to $timeout_ms for the first
     * metadata answer; -1 when none is known by then.
     *
     * @return int
     */
    public function getControllerId(int $timeout_ms)
    {
        try {
            return $this->defaultClient()->controllerId($timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * For each partition whose offset holds a timestamp (ms), the earliest offset whose
     * timestamp is at or after it (RD_KAFKA_OFFSET_END if none).
     *
     * @param RdKafka\TopicPartition[] $topic_partitions
     * @param int                       $timeout_ms
     *
     * @throws RdKafka\Exception
     *
     * @return RdKafka\TopicPartition[]
     */
    public function offsetsForTimes(array $topic_partitions, int $timeout_ms)
    {
        $parts = Convert::toBridgePartitions($topic_partitions, static::class . '::offsetsForTimes');
        try {
            return Convert::fromBridgePartitions($this->defaultClient()->offsetsForTimes($parts, $timeout_ms));
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Pauses consumption of partitions.
     *
     * @param RdKafka\TopicPartition[] $topic_partitions
     *
     * @throws RdKafka\Exception
     *
     * @return RdKafka\TopicPartition[] the partitions with their error
     */
    public function pausePartitions(array $topic_partitions)
    {
        throw new RdKafka\Exception('pausing partitions is only supported on a consumer with kafkabridge', RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    }

    /**
     * Resumes consumption of paused partitions.
     *
     * @param RdKafka\TopicPartition[] $topic_partitions
     *
     * @throws RdKafka\Exception
     *
     * @return RdKafka\TopicPartition[] the partitions with their error
     */
    public function resumePartitions(array $topic_partitions)
    {
        throw new RdKafka\Exception('resuming partitions is only supported on a consumer with kafkabridge', RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    }

    /**
     * Hands the clients their SASL/OAUTHBEARER token (`sasl.mechanism=OAUTHBEARER`), usually
     * from the callback of Conf::setOauthbearerTokenRefreshCb().
     *
     * @param string                $token_value    the token
     * @param int                   $lifetime_ms    when it expires, in milliseconds since the epoch
     * @param string                $principal_name the principal it is for
     * @param array<string, string> $extensions     SASL extensions, name => value
     *
     * @throws RdKafka\Exception for an expired token, a bad extension, or without OAUTHBEARER
     *
     * @return void
     */
    public function oauthbearerSetToken(string $token_value, int $lifetime_ms, string $principal_name, array $extensions = [])
    {
        Tokens::set($this->clients === [] ? [$this->defaultClient()] : $this->clients, $token_value, $lifetime_ms, $principal_name, $extensions);
    }

    /**
     * Tells the clients no token could be had: the error callback gets
     * RD_KAFKA_RESP_ERR__AUTHENTICATION ("Failed to acquire SASL OAUTHBEARER token: $error") in
     * the next poll(), and the refresh callback runs again 10 seconds later.
     *
     * @param string $error why
     *
     * @throws RdKafka\Exception without OAUTHBEARER
     *
     * @return void
     */
    public function oauthbearerSetTokenFailure(string $error)
    {
        Tokens::fail($this->clients === [] ? [$this->defaultClient()] : $this->clients, $error);
    }

    /**
     * The settings a client is created with: the Conf's, the brokers from addBrokers(), the
     * level from setLogLevel(), then $overrides (a topic's differing properties) and $extra.
     *
     * @param array<string, string> $overrides
     * @param array<string, string> $extra
     *
     * @return array<string, string>
     */
    protected function clientSettings(array $overrides, array $extra = []): array
    {
        $settings = $this->confSettings;
        if ($this->brokers !== []) {
            $key = isset($settings['metadata.broker.list']) && !isset($settings['bootstrap.servers']) ? 'metadata.broker.list' : 'bootstrap.servers';
            $existing = isset($settings[$key]) ? preg_split('/[\s,]+/', $settings[$key], -1, PREG_SPLIT_NO_EMPTY) : [];
            $settings[$key] = implode(',', array_values(array_unique(array_merge($existing ?: [], $this->brokers))));
        }
        if ($this->logLevel !== null) {
            $settings['log_level'] = (string) max(0, min(7, $this->logLevel));
        }
        foreach ($overrides as $name => $value) {
            $settings[$name] = $value;
        }
        foreach ($extra as $name => $value) {
            $settings[$name] = $value;
        }

        return $settings;
    }

    /**
     * A kafkabridge Config from settings.
     *
     * @param array<string, string> $settings
     *
     * @throws RdKafka\Exception for settings librdkafka refuses
     */
    protected static function bridgeConfig(array $settings): Config
    {
        try {
            return new Config($settings);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * The properties of $topic_conf that differ from the Conf's ([] if none or null).
     *
     * @param TopicConf|Conf|null $topic_conf
     *
     * @return array<string, string>
     */
    protected function topicOverrides($topic_conf): array
    {
        if ($topic_conf === null) {
            return [];
        }
        if (!$topic_conf instanceof TopicConf && !$topic_conf instanceof Conf) {
            throw new \TypeError(static::class . '::newTopic(): Argument #2 ($topic_conf) must be of type ?RdKafka\\TopicConf, ' . (is_object($topic_conf) ? get_class($topic_conf) : gettype($topic_conf)) . ' given');
        }
        $overrides = [];
        foreach ($topic_conf->settings() as $name => $value) {
            if (!isset($this->confSettings[$name]) || $this->confSettings[$name] !== $value) {
                $overrides[$name] = $value;
            }
        }
        ksort($overrides);

        return $overrides;
    }

    /**
     * The key of the client that serves a topic with $overrides: '' for none.
     *
     * @param array<string, string> $overrides
     */
    protected static function clientKey(array $overrides): string
    {
        if ($overrides === []) {
            return '';
        }

        return substr(sha1(serialize($overrides)), 0, 12);
    }

    /**
     * Moves events from the clients into the dispatcher, waiting up to $waitMs for the first
     * (creating the default client first if there is none and the call is to wait).
     *
     * @return int how many events came
     */
    protected function collect(int $waitMs): int
    {
        $clients = $this->bridgeClients();
        if ($clients === []) {
            if ($waitMs <= 0) {
                return 0;
            }
            $clients = ['' => $this->defaultClient()];
        }
        try {
            if (count($clients) === 1) {
                foreach ($clients as $key => $client) {
                    return $this->drainClient($client, (string) $key, $waitMs);
                }
            }
            $got = 0;
            foreach ($clients as $key => $client) {
                $got += $this->drainClient($client, (string) $key, 0);
            }
            $deadline = Clock::nowMs() + $waitMs;
            while ($got === 0 && Clock::nowMs() < $deadline) {
                foreach ($clients as $key => $client) {
                    $got += $this->drainClient($client, (string) $key, max(0, min(20, $deadline - Clock::nowMs())));
                    if ($got > 0) {
                        break;
                    }
                }
            }

            return $got;
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }
}
