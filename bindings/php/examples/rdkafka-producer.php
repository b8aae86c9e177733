<?php

/*
 * Code written for the php-rdkafka extension, run unchanged on kafkabridge through the drop-in
 * (bindings/php/rdkafka): produces one message and serves its delivery report with a single
 * poll(), the way many applications do.
 *
 *     KAFKA_BROKERS=127.0.0.1:39092 php bindings/php/examples/rdkafka-producer.php <topic> [payload] [key]
 *
 * Prints "delivered err=0 topic=... partition=... offset=... payload=... key=..." from the
 * delivery report callback and exits 0 when the message was delivered, 1 otherwise. Only the
 * broker list (KAFKA_BROKERS) and the topic (first argument) are filled in from outside; the
 * produce() method is the application's code as is.
 */

require __DIR__ . '/../rdkafka/autoload.php';

/**
 * The application's producer, as written for php-rdkafka.
 */
final class ExampleProducer
{
    /** @var string */
    private $brokerVersionFallback = '0.10.0';

    /** @var int */
    private $logLevel = LOG_WARNING;

    /** @var int */
    private $logger = RD_KAFKA_LOG_PRINT;

    /** @var string[] */
    private $brokers;

    /** @var int */
    private $messageTimeoutMs = 10000;

    /** @var int[] the err of each delivery report */
    public $reports = [];

    /**
     * @param string[] $brokers
     */
    public function __construct(array $brokers)
    {
        $this->brokers = $brokers;
    }

    /**
     * The application's code, unchanged.
     */
    public function produce(string $topic, string $payload, ?string $key): void
    {
        $kafkaConf = new \RdKafka\Conf();
        $kafkaConf->set('broker.version.fallback', $this->brokerVersionFallback);
        $kafkaConf->set('socket.blocking.max.ms', 1);
        $kafkaConf->setDrMsgCb(array($this, 'produceDrMsgCallback'));
        $kafkaConf->setErrorCb(array($this, 'produceErrorCallback'));
        $rk = new \RdKafka\Producer($kafkaConf);
        $rk->setLogLevel($this->logLevel);
        $rk->setLogger($this->logger);
        $rk->addBrokers(implode(',', $this->brokers));
        $topicConf = new \RdKafka\TopicConf();
        $topicConf->set("message.timeout.ms", $this->messageTimeoutMs);
        $topic = $rk->newTopic($topic, $topicConf);
        $topic->produce(RD_KAFKA_PARTITION_UA, 0, $payload, $key);
        $rk->poll($this->messageTimeoutMs + 500);
    }

    /**
     * @param \RdKafka\Producer $kafka
     * @param \RdKafka\Message  $message
     */
    public function produceDrMsgCallback($kafka, $message): void
    {
        $this->reports[] = $message->err;
        printf(
            "delivered err=%d topic=%s partition=%d offset=%d payload=%s key=%s\n",
            $message->err,
            $message->topic_name,
            $message->partition,
            $message->offset,
            $message->payload,
            $message->key
        );
    }

    /**
     * @param \RdKafka\Producer $kafka
     * @param int               $err
     * @param string            $reason
     */
    public function produceErrorCallback($kafka, $err, $reason): void
    {
        fprintf(STDERR, "error %d (%s): %s\n", $err, rd_kafka_err2name($err), $reason);
    }
}

$brokers = getenv('KAFKA_BROKERS');
if (!is_string($brokers) || $brokers === '' || !isset($argv[1])) {
    fwrite(STDERR, "usage: KAFKA_BROKERS=host:port php " . basename(__FILE__) . " <topic> [payload] [key]\n");
    exit(2);
}
$producer = new ExampleProducer(explode(',', $brokers));
$producer->produce($argv[1], isset($argv[2]) ? $argv[2] : 'hello from php-rdkafka code', isset($argv[3]) ? $argv[3] : 'key-1');
exit($producer->reports === [0] ? 0 : 1);
