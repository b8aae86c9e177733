<?php
// php topic.php create|delete|count|fill|committed <topic> [partitions|messages|group]: the
// benchmark's topic admin over KAFKA_BROKERS (PLAINTEXT). count prints the number of messages the
// topic holds (the sum of high - low watermarks of its partitions); fill <topic> <messages>
// produces that many 100-byte messages spread over its partitions and fails unless every one was
// delivered; committed <topic> <group> prints the sum of the group's committed offsets.
declare(strict_types=1);

require __DIR__ . '/../../../bindings/php/autoload.php';

use KafkaBridge\Admin;
use KafkaBridge\Consumer;
use KafkaBridge\DeliveryReport;
use KafkaBridge\Producer;
use KafkaBridge\TopicPartition;

[, $op, $topic] = $argv + [null, null, null];
if (!in_array($op, ['create', 'delete', 'count', 'fill', 'committed'], true) || !$topic) {
    fwrite(STDERR, "usage: topic.php create|delete|count|fill|committed <topic> [partitions|messages|group]\n");
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
} elseif ($op === 'fill') {
    $partitions = count($admin->metadata($topic)->getTopic($topic)->getPartitions());
    $producer = new Producer(['bootstrap.servers' => (string)getenv('KAFKA_BROKERS'), 'linger.ms' => '20']);
    $total = (int)$argv[3];
    $delivered = 0;
    $count = function (int $timeoutMs) use ($producer, &$delivered): void {
        foreach ($producer->pollEvents($timeoutMs, 100000) as $e) {
            if (!$e instanceof DeliveryReport) continue;
            if (!$e->isDelivered()) {
                fwrite(STDERR, "delivery failed: {$e->getErrorText()}\n");
                exit(1);
            }
            $delivered++;
        }
    };
    $payload = str_repeat('m', 100);
    for ($i = 0; $i < $total; $i++) {
        $producer->produce($topic, $payload, null, [], $i % $partitions);
        if ($i % 50000 === 49999) $count(0); // the reports stay below bridge.event.queue.size
    }
    $producer->flush(120000);
    while ($delivered < $total) {
        $before = $delivered;
        $count(1000);
        if ($delivered === $before) break;
    }
    $producer->close();
    if ($delivered !== $total) {
        fwrite(STDERR, "filled $delivered of $total messages\n");
        exit(1);
    }
} elseif ($op === 'committed') {
    $partitions = $admin->metadata($topic)->getTopic($topic)->getPartitions();
    $reader = new Consumer(['bootstrap.servers' => (string)getenv('KAFKA_BROKERS'), 'group.id' => (string)$argv[3]]);
    $n = 0;
    foreach ($reader->committed(array_map(fn($p) => new TopicPartition($topic, $p->getId()), $partitions), 10000) as $tp) {
        $n += max(0, $tp->getOffset()); // a partition without a commit reports a negative offset
    }
    $reader->close();
    echo $n, "\n";
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
