<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;

/**
 * A cluster metadata snapshot (Producer/Consumer/Admin::metadata()), copied out of the library.
 */
final class Metadata
{
    /** @var int */
    private $origBrokerId;

    /** @var string */
    private $origBrokerName;

    /** @var BrokerMetadata[] */
    private $brokers;

    /** @var TopicMetadata[] */
    private $topics;

    /**
     * @internal use Producer/Consumer/Admin::metadata()
     *
     * @param BrokerMetadata[] $brokers
     * @param TopicMetadata[]  $topics
     */
    public function __construct(int $origBrokerId, string $origBrokerName, array $brokers, array $topics)
    {
        $this->origBrokerId = $origBrokerId;
        $this->origBrokerName = $origBrokerName;
        $this->brokers = $brokers;
        $this->topics = $topics;
    }

    /**
     * @internal copies a kb_metadata_view
     */
    public static function fromView(CData $view): self
    {
        $brokers = [];
        $brokerViews = $view->brokers;
        for ($i = 0, $n = $view->broker_count; $i < $n; $i++) {
            $b = $brokerViews[$i];
            $brokers[] = new BrokerMetadata($b->id, (string) $b->host, $b->port);
        }
        $topics = [];
        $topicViews = $view->topics;
        for ($i = 0, $n = $view->topic_count; $i < $n; $i++) {
            $t = $topicViews[$i];
            $partitions = [];
            $partitionViews = $t->partitions;
            for ($j = 0, $m = $t->partition_count; $j < $m; $j++) {
                $p = $partitionViews[$j];
                $partitions[] = new PartitionMetadata(
                    $p->id,
                    $p->leader,
                    $p->err,
                    self::ints($p->replicas, $p->replica_count),
                    self::ints($p->isrs, $p->isr_count)
                );
            }
            $topics[] = new TopicMetadata((string) $t->name, $t->err, $partitions);
        }

        return new self($view->orig_broker_id, (string) $view->orig_broker_name, $brokers, $topics);
    }

    /**
     * @return int[]
     */
    private static function ints(?CData $pointer, int $count): array
    {
        $out = [];
        for ($i = 0; $pointer !== null && $i < $count; $i++) {
            $out[] = $pointer[$i];
        }

        return $out;
    }

    /** Id of the broker that answered. */
    public function getOrigBrokerId(): int
    {
        return $this->origBrokerId;
    }

    /** Name of the broker that answered. */
    public function getOrigBrokerName(): string
    {
        return $this->origBrokerName;
    }

    /** @return BrokerMetadata[] */
    public function getBrokers(): array
    {
        return $this->brokers;
    }

    /** @return TopicMetadata[] */
    public function getTopics(): array
    {
        return $this->topics;
    }

    /** The topic named $name, or null if the snapshot does not list it. */
    public function getTopic(string $name): ?TopicMetadata
    {
        foreach ($this->topics as $topic) {
            if ($topic->getName() === $name) {
                return $topic;
            }
        }

        return null;
    }
}
