<?php
// The consuming benchmark endpoint: "give me up to 10 messages, then commit", GET
// ?variant=...&topic=... (the group is "bench-<topic>"):
//
//   new-consumer        a private KafkaBridge\Consumer per request: join the group, wait for an
//                       assignment, read, commit, leave (what php-rdkafka users do today)
//   persistent-consume  a session on this worker's persistent group member, which stays in the
//                       group between requests and prefetches for the next one
//
// A request waits up to 5 s for a first message, then takes what is ready, up to 10, and commits
// them. 200 with the number read (0 when none came in time; bench/fpm/run.sh counts the messages
// from the group's committed offsets), 500 on any exception.
declare(strict_types=1);
require __DIR__ . '/broker.php';

use KafkaBridge\Consumer;
use KafkaBridge\Exception\KafkaBridgeException;

const MAX_MESSAGES = 10;
const WAIT_MS = 5000;

$variant = (string)($_GET['variant'] ?? '');
$topic = (string)($_GET['topic'] ?? '');
$config = broker_settings() + [
    'group.id' => "bench-$topic",
    'auto.offset.reset' => 'earliest',
    'enable.auto.commit' => 'false',
];
header('Content-Type: text/plain');
try {
    switch ($variant) {
        case 'new-consumer':
            $consumer = new Consumer($config);
            break;
        case 'persistent-consume':
            $consumer = Consumer::persistent('bench-fpm-consume', $config);
            break;
        default:
            http_response_code(400);
            echo "unknown variant\n";
            exit;
    }
    try {
        $consumer->subscribe([$topic]);
        $read = 0;
        $deadline = microtime(true) + WAIT_MS / 1000;
        do {
            $left = (int)max(1, ($deadline - microtime(true)) * 1000);
            // Waits at most until the deadline; returns at a rebalance, or once 10 arrived.
            $batch = $consumer->pollBatch($read === 0 ? $left : 0, MAX_MESSAGES - $read);
            foreach ($batch as $m) {
                if ($m->isError()) throw new RuntimeException($m->getErrorText() ?? 'consumer error');
                $read++;
            }
        } while ($read < MAX_MESSAGES && ($read === 0 ? microtime(true) < $deadline : $batch !== []));
        if ($read > 0) $consumer->commit();
    } finally {
        $consumer->close(); // a private consumer leaves the group; a session ends, its member stays
    }
    echo $read, "\n";
} catch (KafkaBridgeException | RuntimeException $e) {
    http_response_code(500);
    error_log("bench-fpm $variant: " . $e->getMessage());
    echo $e->getMessage(), "\n";
}
