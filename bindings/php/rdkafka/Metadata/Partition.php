<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

/**
 * One partition of a topic in a metadata snapshot.
 */
class Partition
{
    /** @var int */
    private $id;

    /** @var int */
    private $err;

    /** @var int */
    private $leader;

    /** @var int[] */
    private $replicas;

    /** @var int[] */
    private $isrs;

    /**
     * @internal made by the drop-in from a metadata snapshot
     *
     * @param int[] $replicas
     * @param int[] $isrs
     */
    public function __construct(int $id, int $err, int $leader, array $replicas, array $isrs)
    {
        $this->id = $id;
        $this->err = $err;
        $this->leader = $leader;
        $this->replicas = $replicas;
        $this->isrs = $isrs;
    }

    /**
     * The partition number.
     *
     * @return int
     */
    public function getId()
    {
        return $this->id;
    }

    /**
     * The partition's error code, 0 if none.
     *
     * @return int
     */
    public function getErr()
    {
        return $this->err;
    }

    /**
     * The broker id of the leader, -1 if none.
     *
     * @return int
     */
    public function getLeader()
    {
        return $this->leader;
    }

    /**
     * The broker ids of the replicas.
     *
     * @return Collection
     */
    public function getReplicas()
    {
        return new Collection($this->replicas);
    }

    /**
     * The broker ids of the in-sync replicas.
     *
     * @return Collection
     */
    public function getIsrs()
    {
        return new Collection($this->isrs);
    }
}
