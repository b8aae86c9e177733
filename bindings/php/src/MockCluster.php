<?php

declare(strict_types=1);

namespace KafkaBridge;

use FFI\CData;
use KafkaBridge\Exception\KafkaBridgeException;

/**
 * librdkafka's in-process mock Kafka cluster, for tests and demos without a broker. Topics are
 * auto-created on first use. It has quirks (no TLS/SASL, a slow first group join) and proves
 * nothing about a real broker.
 *
 *     $mock = new MockCluster();
 *     $producer = new Producer(['bootstrap.servers' => $mock->bootstrapServers()]);
 */
final class MockCluster
{
    /** @var \FFI */
    private $ffi;

    /** @var CData|null kb_mock_cluster* */
    private $handle;

    /**
     * Starts $brokers (1..16) brokers listening on 127.0.0.1.
     *
     * @throws KafkaBridgeException an InvalidArgumentException for a broker count out of range
     */
    public function __construct(int $brokers = 1)
    {
        $this->ffi = Library::ffi();
        $out = $this->ffi->new('kb_mock_cluster*');
        Library::check($this->ffi->kb_mock_cluster_new($brokers, \FFI::addr($out)), 'kb_mock_cluster_new');
        $this->handle = $out;
    }

    /**
     * The value for `bootstrap.servers`.
     *
     * @throws KafkaBridgeException
     */
    public function bootstrapServers(): string
    {
        if ($this->handle === null) {
            throw KafkaBridgeException::create(ErrorCode::KB_INVALID_STATE, 'the mock cluster is closed', 'MockCluster::bootstrapServers');
        }
        $cap = 256;
        $len = $this->ffi->new('size_t');
        for ($attempt = 0; $attempt < 2; $attempt++) {
            $buf = $this->ffi->new('char[' . $cap . ']');
            Library::check(
                $this->ffi->kb_mock_cluster_bootstrap_servers($this->handle, $buf, $cap, \FFI::addr($len)),
                'kb_mock_cluster_bootstrap_servers'
            );
            $full = (int) $len->cdata;
            if ($full < $cap) {
                return \FFI::string($buf, $full);
            }
            $cap = $full + 1;
        }
        throw KafkaBridgeException::create(ErrorCode::KB_INVALID_STATE, 'the address list kept growing', 'kb_mock_cluster_bootstrap_servers');
    }

    public function isClosed(): bool
    {
        return $this->handle === null;
    }

    /**
     * Stops the cluster; clients still connected then see their brokers go away. A second
     * close() is a no-op.
     *
     * @throws KafkaBridgeException
     */
    public function close(): void
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            Library::check($this->ffi->kb_mock_cluster_free($handle), 'kb_mock_cluster_free');
        }
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            $this->ffi->kb_mock_cluster_free($handle);
        }
    }

    /** Not clonable: the clone would free the same native handle a second time. */
    private function __clone()
    {
    }
}
