<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

/**
 * One broker of a metadata snapshot.
 */
class Broker
{
    /** @var int */
    private $id;

    /** @var string */
    private $host;

    /** @var int */
    private $port;

    /**
     * @internal made by the drop-in from a metadata snapshot
     */
    public function __construct(int $id, string $host, int $port)
    {
        $this->id = $id;
        $this->host = $host;
        $this->port = $port;
    }

    /**
     * The broker id.
     *
     * @return int
     */
    public function getId()
    {
        return $this->id;
    }

    /**
     * The broker's host name.
     *
     * @return string
     */
    public function getHost()
    {
        return $this->host;
    }

    /**
     * The broker's port.
     *
     * @return int
     */
    public function getPort()
    {
        return $this->port;
    }
}
