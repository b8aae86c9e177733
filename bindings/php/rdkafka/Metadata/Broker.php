<?php

declare(strict_types=1);

namespace RdKafka\Metadata;

use RdKafka\Internal\MadeByTheClient;

/**
 * One broker of a metadata snapshot.
 */
class Broker
{
    use MadeByTheClient;

    /** @var int */
    private $id;

    /** @var string */
    private $host;

    /** @var int */
    private $port;

    /**
     * @internal made by the drop-in from a metadata snapshot
     */
    public static function make(int $id, string $host, int $port): self
    {
        return new self($id, $host, $port);
    }

    private function __construct(int $id, string $host, int $port)
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
        self::constructed($this->id);
        return $this->id;
    }

    /**
     * The broker's host name.
     *
     * @return string
     */
    public function getHost()
    {
        self::constructed($this->id);
        return $this->host;
    }

    /**
     * The broker's port.
     *
     * @return int
     */
    public function getPort()
    {
        self::constructed($this->id);
        return $this->port;
    }
}
