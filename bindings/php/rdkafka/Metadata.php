<?php

declare(strict_types=1);

namespace RdKafka;

use RdKafka\Internal\MadeByTheClient;
use RdKafka\Metadata\Broker;
use RdKafka\Metadata\Collection;
use RdKafka\Metadata\Partition;
use RdKafka\Metadata\Topic;

/**
 * A cluster metadata snapshot, as getMetadata() returns it.
 */
class Metadata
{
    use MadeByTheClient;

    /** @var int */
    private $origBrokerId;

    /** @var string */
    private $origBrokerName;

    /** @var Broker[] */
    private $brokers;

    /** @var Topic[] */
    private $topics;

    /**
     * @internal made by the drop-in (see fromBridge())
     *
     * @param Broker[] $brokers
     * @param Topic[]  $topics
     */
    public static function make(int $origBrokerId, string $origBrokerName, array $brokers, array $topics): self
    {
        return new self($origBrokerId, $origBrokerName, $brokers, $topics);
    }

    private function __construct(int $origBrokerId, string $origBrokerName, array $brokers, array $topics)
    {
        $this->origBrokerId = $origBrokerId;
        $this->origBrokerName = $origBrokerName;
        $this->brokers = $brokers;
        $this->topics = $topics;
    }

    /**
     * Copies a kafkabridge snapshot, keeping only the topics $keep accepts (all when null).
     *
     * @internal
     *
     * @param callable|null $keep function (string $topic): bool
     */
    public static function fromBridge(\KafkaBridge\Metadata $md, ?callable $keep = null): self
    {
        $brokers = [];
        foreach ($md->getBrokers() as $b) {
            $brokers[] = Broker::make($b->getId(), $b->getHost(), $b->getPort());
        }
        $topics = [];
        foreach ($md->getTopics() as $t) {
            if ($keep !== null && !$keep($t->getName())) {
                continue;
            }
            $partitions = [];
            foreach ($t->getPartitions() as $p) {
                $partitions[] = Partition::make($p->getId(), $p->getErr(), $p->getLeader(), $p->getReplicas(), $p->getIsrs());
            }
            $topics[] = Topic::make($t->getName(), $t->getErr(), $partitions);
        }

        return self::make($md->getOrigBrokerId(), $md->getOrigBrokerName(), $brokers, $topics);
    }

    /**
     * The id of the broker that answered.
     *
     * @return int
     */
    public function getOrigBrokerId()
    {
        self::constructed($this->origBrokerId);
        return $this->origBrokerId;
    }

    /**
     * The name of the broker that answered.
     *
     * @return string
     */
    public function getOrigBrokerName()
    {
        self::constructed($this->origBrokerId);
        return $this->origBrokerName;
    }

    /**
     * The cluster's brokers (Metadata\Broker objects).
     *
     * @return Collection
     */
    public function getBrokers()
    {
        self::constructed($this->origBrokerId);
        return Collection::make($this->brokers);
    }

    /**
     * The topics (Metadata\Topic objects).
     *
     * @return Collection
     */
    public function getTopics()
    {
        self::constructed($this->origBrokerId);
        return Collection::make($this->topics);
    }
}
