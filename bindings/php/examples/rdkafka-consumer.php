<?php

/*
 * Code written for the php-rdkafka extension's legacy consumer, run unchanged on kafkabridge
 * through the drop-in (bindings/php/rdkafka): consumes every partition of a topic from the
 * group's stored offsets until SIGTERM, then shuts down cleanly with the offsets kept.
 *
 *     KAFKA_BROKERS=127.0.0.1:39092 php bindings/php/examples/rdkafka-consumer.php <topic> <group.id>
 *
 * Prints "consumed partition=<p> offset=<o> payload=<payload>" per message, and
 * "stopped cleanly" after SIGTERM (exit status 0). Only the broker list (KAFKA_BROKERS), the
 * topic and the group are filled in from outside.
 *
 * SIGTERM is handled with pcntl (php -m | grep pcntl); without it the example still runs, but
 * a SIGTERM then ends it at once, without the clean shutdown.
 */

require __DIR__ . '/../rdkafka/autoload.php';

/**
 * The application's legacy consumer loop, as written for php-rdkafka.
 */
final class ExampleConsumer
{
    /** @var bool */
    private static $running = true;

    /** @var \RdKafka\Conf */
    private $conf;

    /** @var \RdKafka\Consumer */
    private $rk;

    /** @var \RdKafka\ConsumerTopic */
    private $rkTopic;

    /** @var string */
    private $topic;

    /** @var string */
    private $offsetAutoReset = 'earliest';

    /** @var int[]|null partitions being consumed */
    private $partitions;

    /**
     * @param string $topic the topic to consume
     * @param string $group the consumer group whose stored offsets are used and kept
     */
    public function __construct(string $topic, string $group)
    {
        $this->topic = $topic;
        $this->conf = new \RdKafka\Conf();
        $this->conf->set('group.id', $group);
        $this->conf->setErrorCb(function ($kafka, $err, $reason) {
            fprintf(STDERR, "error %d (%s): %s\n", $err, rd_kafka_err2name($err), $reason);
        });
    }

    /** The SIGTERM handler: ends the loop. */
    public static function stop(): void
    {
        self::$running = false;
    }

    /**
     * The application's loop, unchanged.
     */
    public function run(string $brokerList, callable $callback_func): void
    {
        $this->rk = new Rdkafka\Consumer($this->conf);
        $this->rk->addBrokers($brokerList);
        $topicConf = new Rdkafka\TopicConf();
        $topicConf->set('auto.offset.reset', $this->offsetAutoReset);
        $this->rkTopic = $this->rk->newTopic($this->topic, $topicConf);
        while (self::$running) {
            $this->consume($callback_func);   // consumeStart/consume on the topic's partitions
            pcntl_signal_dispatch();          // SIGTERM sets $running = false: clean shutdown, offsets kept
        }
    }

    /**
     * One round over the topic's partitions: started at the stored offsets on the first call.
     */
    private function consume(callable $callback_func): void
    {
        if ($this->partitions === null) {
            $metadata = $this->rk->getMetadata(false, $this->rkTopic, 10000);
            $this->partitions = [];
            foreach ($metadata->getTopics() as $topic) {
                foreach ($topic->getPartitions() as $partition) {
                    $this->partitions[] = $partition->getId();
                    $this->rkTopic->consumeStart($partition->getId(), RD_KAFKA_OFFSET_STORED);
                }
            }
            if ($this->partitions === []) {
                // The topic does not exist (yet): serve events for a while, then look again.
                $this->partitions = null;
                $this->rk->poll(100);

                return;
            }
        }
        foreach ($this->partitions as $partition) {
            $message = $this->rkTopic->consume($partition, 100);
            if ($message === null || $message->err === RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                continue;
            }
            if ($message->err !== RD_KAFKA_RESP_ERR_NO_ERROR) {
                fprintf(STDERR, "consume error %d: %s\n", $message->err, $message->errstr());
                continue;
            }
            $callback_func($message);
        }
    }
}

if (function_exists('pcntl_signal')) {
    pcntl_signal(SIGTERM, [ExampleConsumer::class, 'stop']);
    pcntl_signal(SIGINT, [ExampleConsumer::class, 'stop']);
} else {
    fwrite(STDERR, "pcntl is not available: SIGTERM will end this example without a clean shutdown\n");
}
if (!function_exists('pcntl_signal_dispatch')) {
    /**
     * Stands in for pcntl's dispatcher where pcntl is missing: there are no handlers to run.
     */
    function pcntl_signal_dispatch(): bool
    {
        return true;
    }
}

$brokers = getenv('KAFKA_BROKERS');
if (!is_string($brokers) || $brokers === '' || !isset($argv[1], $argv[2])) {
    fwrite(STDERR, "usage: KAFKA_BROKERS=host:port php " . basename(__FILE__) . " <topic> <group.id>\n");
    exit(2);
}
$consumer = new ExampleConsumer($argv[1], $argv[2]);
$consumer->run($brokers, function (\RdKafka\Message $message) {
    printf("consumed partition=%d offset=%d payload=%s\n", $message->partition, $message->offset, $message->payload);
});
echo "stopped cleanly\n";
