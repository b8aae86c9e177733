<?php
// Scenario 5 endpoint: php-rdkafka code as teams run it today (the producer pattern of the notes
// kafkabridge grew from: a Conf with delivery and error callbacks, addBrokers(), a topic with its
// own TopicConf, produce(), poll() until the delivery report came), with no kafkabridge setting.
// The RdKafka classes come from the drop-in through the pool's auto_prepend_file, as an
// extension's would be there without a line of code. GET n=<request number>&topic=<topic>.
declare(strict_types=1);

$delivered = null;
$errors = [];
$conf = new \RdKafka\Conf();
$conf->setDrMsgCb(function ($kafka, $message) use (&$delivered): void {
    $delivered = $message->err === RD_KAFKA_RESP_ERR_NO_ERROR;
});
$conf->setErrorCb(function ($kafka, int $err, string $reason) use (&$errors): void {
    $errors[] = "$err: $reason";
});
$rk = new \RdKafka\Producer($conf);
$rk->addBrokers((string)getenv('KAFKA_BROKERS'));
$topicConf = new \RdKafka\TopicConf();
$topicConf->set('message.timeout.ms', '10000');
$topic = $rk->newTopic((string)$_GET['topic'], $topicConf);
$topic->produce(RD_KAFKA_PARTITION_UA, 0, (string)(int)$_GET['n']);
// Wait for the delivery callback (poll() returns once it ran, or after the timeout).
for ($deadline = microtime(true) + 10.5; $delivered === null && microtime(true) < $deadline;) {
    $rk->poll(100);
}
header('Content-Type: application/json');
echo json_encode(['ok' => $delivered === true, 'n' => (int)$_GET['n'], 'pid' => getmypid(), 'errors' => $errors]), "\n";
