<?php
// The benchmark endpoint: one 100-byte message per request, GET ?variant=...&topic=...
//
//   new-client-sync   a private KafkaBridge\Producer per request: connect, produce one message,
//                     wait for its delivery report, close (what php-rdkafka users do today)
//   persistent-sync   a session on this worker's persistent client, produceSync()
//   persistent-async  a session on this worker's persistent client, produce() without waiting
//
// 200 only when the variant's promise holds (delivery confirmed, or accepted for async), else
// 500. The broker settings come from the pool's environment (bench/fpm/run.sh sets them).
declare(strict_types=1);
require __DIR__ . '/broker.php';

use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Producer;

const PAYLOAD_BYTES = 100;
const SYNC_TIMEOUT_MS = 10000;

/** The producer settings of a variant: acks=all; linger.ms=0 when a request waits for delivery. */
function producer_config(bool $sync): array
{
    return broker_settings() + ['acks' => 'all', 'linger.ms' => $sync ? '0' : '5'];
}

$variant = (string)($_GET['variant'] ?? '');
$topic = (string)($_GET['topic'] ?? '');
$payload = str_repeat('m', PAYLOAD_BYTES);
header('Content-Type: text/plain');
try {
    switch ($variant) {
        case 'new-client-sync':
            $producer = new Producer(producer_config(true));
            try {
                $producer->produceSync($topic, $payload, timeoutMs: SYNC_TIMEOUT_MS);
            } finally {
                $producer->close(); // flushes (nothing left) and destroys the client
            }
            break;
        case 'persistent-sync':
            // One name per variant: a persistent name must always come with the same settings.
            $producer = Producer::persistent('bench-fpm-sync', producer_config(true));
            $producer->produceSync($topic, $payload, timeoutMs: SYNC_TIMEOUT_MS);
            $producer->close(); // ends the session; the client stays connected
            break;
        case 'persistent-async':
            $producer = Producer::persistent('bench-fpm-async', producer_config(false));
            $producer->produce($topic, $payload);
            $producer->close(); // the client delivers it; a failure would be logged on stderr
            break;
        default:
            http_response_code(400);
            echo "unknown variant\n";
            exit;
    }
    echo "ok\n";
} catch (KafkaBridgeException $e) {
    http_response_code(500);
    error_log("bench-fpm $variant: " . $e->getMessage());
    echo $e->getMessage(), "\n";
}
