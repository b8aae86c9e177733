<?php

declare(strict_types=1);

namespace RdKafka;

use RdKafka\Internal\Settings;

/**
 * Topic-level properties (message.timeout.ms, acks, auto.offset.reset, partitioner, ...) for
 * newTopic(), as php-rdkafka's.
 *
 * kafkabridge clients have a single configuration, so a topic whose TopicConf differs from the
 * client's Conf is served by a client of its own, created with those properties on first use
 * (and, for a persistent producer, named after the persistent name and the differing
 * properties). A transactional producer cannot do that: it refuses such topics.
 */
class TopicConf
{
    /** @var Settings */
    private $settings;

    /**
     * An empty topic configuration.
     */
    public function __construct()
    {
        $this->settings = new Settings();
    }

    /**
     * The properties that were set, name => value, sorted by name (librdkafka's defaults are
     * not listed).
     *
     * @return array<string, string>
     */
    public function dump()
    {
        return $this->settings->dump();
    }

    /**
     * Sets a property, validated at once by librdkafka.
     *
     * @param string $name  a topic-level librdkafka property
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
     * Chooses one of librdkafka's partitioners (RD_KAFKA_MSG_PARTITIONER_*), as the
     * `partitioner` property does.
     *
     * @param int $partitioner an RD_KAFKA_MSG_PARTITIONER_* constant
     *
     * @throws Exception for an unknown value
     *
     * @return void
     */
    public function setPartitioner(int $partitioner)
    {
        $names = [2 => 'random', 3 => 'consistent', 4 => 'consistent_random', 5 => 'murmur2', 6 => 'murmur2_random'];
        if (!isset($names[$partitioner])) {
            throw new Exception('Invalid value for partitioner: ' . $partitioner);
        }
        $this->settings->set('partitioner', $names[$partitioner]);
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
     * A deep copy.
     */
    public function __clone()
    {
        $this->settings = clone $this->settings;
    }
}
