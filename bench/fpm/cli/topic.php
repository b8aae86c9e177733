<?php
// php topic.php create|delete|count <topic> [partitions]: the benchmark's topic admin over
// KAFKA_BROKERS (PLAINTEXT). count prints the number of messages the topic holds (the sum of
// high - low watermarks of its partitions).
declare(strict_types=1);

require __DIR__ . '/../../../bindings/php/autoload.php';

use KafkaBridge\Admin;

[, $op, $topic] = $argv + [null, null, null];
if (!in_array($op, ['create', 'delete', 'count'], true) || !$topic) {
    fwrite(STDERR, "usage: topic.php create|delete|count <topic> [partitions]\n");
    exit(2);
}
$admin = new Admin(['bootstrap.servers' => (string)getenv('KAFKA_BROKERS')]);
if ($op === 'create') {
    $admin->createTopic($topic, (int)($argv[3] ?? 1), 1, [], 15000);
    // Wait (bounded) until every partition has a leader, so the first produce does not race it.
    for ($i = 0; $i < 100; $i++) {
        $t = $admin->metadata($topic)->getTopic($topic);
        $led = $t !== null && $t->getErr() === 0 && $t->getPartitions() !== [];
        foreach ($t ? $t->getPartitions() : [] as $p) {
            $led = $led && $p->getLeader() >= 0;
        }
        if ($led) {
            exit(0);
        }
        usleep(50000); // metadata propagation, polled not assumed
    }
    fwrite(STDERR, "topic $topic has no leader after 5 s\n");
    exit(1);
} elseif ($op === 'delete') {
    $admin->deleteTopic($topic, 15000);
} else {
    $t = $admin->metadata($topic)->getTopic($topic);
    if ($t === null || $t->getErr() !== 0) {
        fwrite(STDERR, "topic $topic: not found\n");
        exit(1);
    }
    $n = 0;
    foreach ($t->getPartitions() as $p) {
        [$low, $high] = $admin->watermarks($topic, $p->getId(), 10000);
        $n += $high - $low;
    }
    echo $n, "\n";
}
$admin->close();
