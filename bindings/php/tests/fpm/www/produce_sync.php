<?php
// Scenario 1 endpoint: one synchronous produce per request on a persistent producer, through the
// KafkaBridge classes (preloaded by bindings/php/preload.php, as bindings/php/README.md says).
// GET n=<request number>&topic=<topic>. Answers JSON: the delivery and the producer's info().
declare(strict_types=1);

use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Producer;

header('Content-Type: application/json');
$n = (int)($_GET['n'] ?? 0);
try {
    $producer = Producer::persistent('fpm-sync', ['bootstrap.servers' => (string)getenv('KAFKA_BROKERS')]);
    $report = $producer->produceSync((string)$_GET['topic'], (string)$n, null, [], -1, 0, 10000);
    $info = $producer->info();
    $producer->close(); // ends the session; the client stays up for the next request
    echo json_encode(['ok' => true, 'n' => $n, 'pid' => getmypid(), 'partition' => $report->getPartition(),
        'offset' => $report->getOffset(), 'message_id' => $report->getMessageId(), 'persistent' => $info->isPersistent() ? 1 : 0,
        'reused' => $info->isReused() ? 1 : 0, 'client_id' => $info->getClientId(), 'creator_pid' => $info->getCreatorPid(),
        'sessions_served' => $info->getSessionsServed(), 'age_ms' => $info->getAgeMs(),
        'opcache' => (bool)(opcache_get_status(false)['opcache_enabled'] ?? false)]), "\n";
} catch (KafkaBridgeException $e) {
    echo json_encode(['ok' => false, 'n' => $n, 'pid' => getmypid(), 'err' => $e->getCode(),
        'err_name' => $e->getErrorName(), 'message' => $e->getMessage()]), "\n";
}
