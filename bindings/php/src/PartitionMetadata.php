<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * One partition of a topic in a metadata snapshot.
 */
final class PartitionMetadata
{
    /** @var int */
    private $id;

    /** @var int */
    private $leader;

    /** @var int */
    private $err;

    /** @var int[] */
    private $replicas;

    /** @var int[] */
    private $isrs;

    /**
     * @internal built from kb_partition_metadata
     *
     * @param int[] $replicas
     * @param int[] $isrs
     */
    public function __construct(int $id, int $leader, int $err, array $replicas, array $isrs)
    {
        $this->id = $id;
        $this->leader = $leader;
        $this->err = $err;
        $this->replicas = $replicas;
        $this->isrs = $isrs;
    }

    public function getId(): int
    {
        return $this->id;
    }

    /** Broker id of the leader, -1 if none. */
    public function getLeader(): int
    {
        return $this->leader;
    }

    public function getErr(): int
    {
        return $this->err;
    }

    /** @return int[] broker ids */
    public function getReplicas(): array
    {
        return $this->replicas;
    }

    /** @return int[] broker ids of the in-sync replicas */
    public function getIsrs(): array
    {
        return $this->isrs;
    }
}
