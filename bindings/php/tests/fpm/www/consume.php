<?php
// Scenarios 3 and 4 endpoint: "give me up to 10 messages, then commit" on a persistent consumer,
// through the KafkaBridge classes, the pattern bindings/php/README.md gives for an FPM endpoint.
// GET n=<request number>&topic=<topic> (the group is "group-<topic>"). Answers JSON: the
// messages handed out ("partition/offset/payload"), whether their commit succeeded, and the
// consumer's info().
declare(strict_types=1);

use KafkaBridge\Consumer;
use KafkaBridge\Exception\KafkaBridgeException;

header('Content-Type: application/json');
$n = (int)($_GET['n'] ?? 0);
try {
    $consumer = Consumer::persistent('fpm-consume', [
        'bootstrap.servers' => (string)getenv('KAFKA_BROKERS'),
        'group.id' => 'group-' . $_GET['topic'],
        'auto.offset.reset' => 'earliest',
        'enable.auto.commit' => 'false',
    ]);
    $consumer->subscribe([(string)$_GET['topic']]);
    $messages = [];
    foreach ($consumer->pollBatch(500, 10) as $m) {
        if (!$m->isError()) $messages[] = "{$m->getPartition()}/{$m->getOffset()}/{$m->getValue()}";
    }
    // A failed commit (a rebalance under way, say) is reported, not hidden: its messages are
    // handed out again, which is the one way a message is read twice.
    $commitErr = 0;
    if ($messages !== []) {
        try {
            $consumer->commit();
        } catch (KafkaBridgeException $e) {
            $commitErr = $e->getCode();
        }
    }
    $info = $consumer->info();
    $consumer->close(); // ends the session; the member stays in its group for the next request
    echo json_encode(['ok' => true, 'n' => $n, 'pid' => getmypid(), 'messages' => $messages, 'commit_err' => $commitErr,
        'reused' => $info->isReused() ? 1 : 0, 'creator_pid' => $info->getCreatorPid(),
        'sessions_served' => $info->getSessionsServed(), 'generation' => $info->getGroupGeneration(),
        'rebalances' => $info->getRebalances(), 'assigned' => $info->getAssignedPartitions(),
        'redelivered' => $info->getRedelivered(), 'buffered' => $info->getBufferedMessages(),
        'idle_leaves' => $info->getIdleLeaves()]), "\n";
} catch (KafkaBridgeException $e) {
    echo json_encode(['ok' => false, 'n' => $n, 'pid' => getmypid(), 'err' => $e->getCode(),
        'err_name' => $e->getErrorName(), 'message' => $e->getMessage()]), "\n";
}
