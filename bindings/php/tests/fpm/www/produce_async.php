<?php
// Scenario 2 endpoint: fire-and-forget produce on a persistent producer, through the KafkaBridge
// classes. No poll, no flush: the message is left to the persistent client, which kafkabridge
// flushes when FPM recycles this worker (pm.max_requests) or stops it.
// GET n=<request number>&topic=<topic>.
declare(strict_types=1);

use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Producer;

header('Content-Type: application/json');
$n = (int)($_GET['n'] ?? 0);
try {
    // linger.ms is long on purpose (run.sh: KB_TEST_LINGER_MS, default 1000): when a worker is
    // recycled its last messages are still waiting in librdkafka; only the exit flush delivers them.
    $producer = Producer::persistent('fpm-async', [
        'bootstrap.servers' => (string)getenv('KAFKA_BROKERS'),
        'linger.ms' => getenv('KB_TEST_LINGER_MS') ?: '1000',
    ]);
    $id = $producer->produce((string)$_GET['topic'], (string)$n);
    $info = $producer->info();
    $producer->close(); // ends the session, not the client
    echo json_encode(['ok' => true, 'n' => $n, 'pid' => getmypid(), 'message_id' => $id,
        'reused' => $info->isReused() ? 1 : 0, 'client_id' => $info->getClientId(), 'creator_pid' => $info->getCreatorPid(),
        'sessions_served' => $info->getSessionsServed(), 'in_flight' => $info->getInFlight()]), "\n";
} catch (KafkaBridgeException $e) {
    echo json_encode(['ok' => false, 'n' => $n, 'pid' => getmypid(), 'err' => $e->getCode(),
        'err_name' => $e->getErrorName(), 'message' => $e->getMessage()]), "\n";
}
