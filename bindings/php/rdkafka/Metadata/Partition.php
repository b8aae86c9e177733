<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

use RdKafka\Internal\MadeByTheClient;

/**
 * One partition of a topic in a metadata snapshot.
 */
class Partition
{
    use MadeByTheClient;

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
    public static function make(int $id, int $err, int $leader, array $replicas, array $isrs): self
    {
        return new self($id, $err, $leader, $replicas, $isrs);
    }

    private function __construct(int $id, int $err, int $leader, array $replicas, array $isrs)
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
        self::constructed($this->id);
        return $this->id;
    }

    /**
     * The partition's error code, 0 if none.
     *
     * @return int
     */
    public function getErr()
    {
        self::constructed($this->id);
        return $this->err;
    }

    /**
     * The broker id of the leader, -1 if none.
     *
     * @return int
     */
    public function getLeader()
    {
        self::constructed($this->id);
        return $this->leader;
    }

    /**
     * The broker ids of the replicas.
     *
     * @return Collection
     */
    public function getReplicas()
    {
        self::constructed($this->id);
        return Collection::make($this->replicas);
    }

    /**
     * The broker ids of the in-sync replicas.
     *
     * @return Collection
     */
    public function getIsrs()
    {
        self::constructed($this->id);
        return Collection::make($this->isrs);
    }
}
