<?php

// Run by run.sh with the path of a Composer project's vendor/autoload.php: the RdKafka\ drop-in
// is there through Composer alone, case-insensitive names included, and delivers a message to
// the embedded mock cluster. Exits non-zero with a message on the first failure.

declare(strict_types=1);

require $argv[1];

function check(bool $ok, string $what): void
{
    if (!$ok) {
        fwrite(STDERR, "dropin_loads.php: $what\n");
        exit(1);
    }
}

check(defined('RD_KAFKA_PARTITION_UA') && function_exists('rd_kafka_err2str'), 'the constants and functions are defined');
check(class_exists('Rdkafka\\conf'), 'class names resolve case-insensitively');

$mock = new KafkaBridge\MockCluster(1);
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', $mock->bootstrapServers());
$delivered = null;
$conf->setDrMsgCb(function ($kafka, RdKafka\Message $message) use (&$delivered): void {
    $delivered = $message->err;
});
$producer = new RdKafka\Producer($conf);
$producer->newTopic('composer-check')->produce(RD_KAFKA_PARTITION_UA, 0, 'hello');
check($producer->flush(10000) === RD_KAFKA_RESP_ERR_NO_ERROR, 'flush delivers within 10 s');
$producer->poll(0);
check($delivered === RD_KAFKA_RESP_ERR_NO_ERROR, 'the delivery report says delivered, got ' . var_export($delivered, true));
