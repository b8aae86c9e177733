<?php

declare(strict_types=1);

namespace RdKafka;

use KafkaBridge\Client;
use KafkaBridge\Config;
use KafkaBridge\DeliveryReport;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Exception\QueueFullException;
use KafkaBridge\Exception\TimeoutException;
use KafkaBridge\Internal\PackedEvents;
use KafkaBridge\Producer as BridgeProducer;
use RdKafka\Internal\AutoPersistence;
use RdKafka\Internal\Clock;
use RdKafka\Internal\Errors;

/**
 * php-rdkafka's producer on kafkabridge.
 *
 *     $rk = new RdKafka\Producer($conf);
 *     $rk->addBrokers('kafka:9092');
 *     $topic = $rk->newTopic('events');
 *     $topic->produce(RD_KAFKA_PARTITION_UA, 0, $payload, $key);
 *     $rk->flush(10000);
 *
 * Persistence: with `bridge.persistent.name` set in the Conf, the producer attaches to a
 * process-wide kafkabridge client of that name, created by the first request of a PHP-FPM
 * worker and reused by the following ones (no new connections, no metadata round trip, no
 * teardown). Nothing else in the code changes. `KAFKABRIDGE_PERSISTENT=1` (environment, e.g.
 * an FPM pool's `env[...]`) or `kafkabridge.persistent = 1` (php.ini) does the same for every
 * non-transactional producer with no change at all, one client per distinct configuration
 * (see Internal\AutoPersistence).
 *
 * Destruction: unlike php-rdkafka's, the destructor loses nothing. It frees the kafkabridge
 * handle: a private client is flushed for up to `bridge.close.timeout.ms` (default 5000) and
 * what still could not be delivered is written to stderr; a persistent client stays connected
 * and delivers in the background. Delivery report callbacks only run inside poll()/flush(), so
 * call flush() before the end of a request if you need them.
 */
class Producer extends \RdKafka
{
    /** @var array<int, array{0: string|null, 1: string|null, 2: array<string, string|null>, 3: string|null}> in-flight messages by id (unique in the process), kept for the dr_msg_cb */
    private $inFlight = [];

    /** @var bool whether a dr_msg_cb is set (the callbacks are copied at construction) */
    private $tracksDeliveries;

    /**
     * @param Conf|null $conf properties and callbacks (copied)
     */
    public function __construct(?Conf $conf = null)
    {
        $this->init($conf, 'producer');
        $this->tracksDeliveries = $this->dispatcher->callback('dr_msg') !== null;
        // Static: a closure bound to $this would be a reference cycle (client -> dispatcher ->
        // closure -> client) and delay the destructor to the garbage collector.
        $this->dispatcher->setDeliveryHandler(static function (Producer $producer, DeliveryReport $report): void {
            $producer->deliver($report->getMessageId(), $report->getTopic(), $report->getPartition(), $report->getOffset(), $report->getTimestampMs(), $report->getErr());
        });
        $this->dispatcher->setPackedDeliveryHandler(static function (Producer $producer, PackedEvents $events): int {
            return $producer->deliverPacked($events);
        });
    }

    /**
     * A topic to produce to. Properties of $topic_conf that differ from the Conf's give the topic
     * a kafkabridge client of its own (refused for a transactional producer).
     *
     * @param string         $topic_name
     * @param TopicConf|null $topic_conf
     *
     * @throws Exception for differing topic properties on a transactional producer
     *
     * @return ProducerTopic
     */
    public function newTopic(string $topic_name, $topic_conf = null)
    {
        $overrides = $this->topicOverrides($topic_conf);
        if ($overrides !== [] && isset($this->confSettings['transactional.id'])) {
            throw new Exception(
                'a transactional producer cannot give topic "' . $topic_name . '" its own properties ('
                . implode(', ', array_keys($overrides)) . '): set them on the RdKafka\\Conf instead',
                \RD_KAFKA_RESP_ERR__INVALID_ARG
            );
        }
        $this->knownTopics[$topic_name] = true;

        return new ProducerTopic($this, $topic_name, self::clientKey($overrides), $overrides);
    }

    /**
     * Initialises transactions (needs `transactional.id`); once, before the first
     * beginTransaction().
     *
     * @param int $timeout_ms
     *
     * @throws KafkaErrorException
     *
     * @return void
     */
    public function initTransactions(int $timeout_ms)
    {
        try {
            $this->client('', [])->initTransactions($timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::kafkaError($e);
        }
    }

    /**
     * Begins a transaction.
     *
     * @throws KafkaErrorException
     *
     * @return void
     */
    public function beginTransaction()
    {
        try {
            $this->client('', [])->beginTransaction();
        } catch (KafkaBridgeException $e) {
            throw Errors::kafkaError($e);
        }
    }

    /**
     * Flushes and commits the current transaction.
     *
     * @param int $timeout_ms
     *
     * @throws KafkaErrorException transactionRequiresAbort() tells whether to abort it
     *
     * @return void
     */
    public function commitTransaction(int $timeout_ms)
    {
        try {
            $this->client('', [])->commitTransaction($timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::kafkaError($e);
        }
    }

    /**
     * Aborts the current transaction: read_committed consumers never see its messages.
     *
     * @param int $timeout_ms
     *
     * @throws KafkaErrorException
     *
     * @return void
     */
    public function abortTransaction(int $timeout_ms)
    {
        try {
            $this->client('', [])->abortTransaction($timeout_ms);
        } catch (KafkaBridgeException $e) {
            throw Errors::kafkaError($e);
        }
    }

    /**
     * Waits until every produced message is delivered or failed, then serves the delivery
     * report callbacks (and any other events).
     *
     * @param int $timeout_ms -1: without limit
     *
     * @return int 0, or RD_KAFKA_RESP_ERR__TIMED_OUT if messages were still in flight
     */
    public function flush(int $timeout_ms)
    {
        $deadline = Clock::deadline($timeout_ms);
        $result = 0;
        foreach ($this->clients as $client) {
            while (true) {
                try {
                    $client->flush(Clock::remaining($deadline));
                    break;
                } catch (TimeoutException $e) {
                    if ($deadline !== null) {
                        $result = \RD_KAFKA_RESP_ERR__TIMED_OUT;
                        break;
                    }
                } catch (KafkaBridgeException $e) {
                    $result = Errors::code($e->getCode());
                    break;
                }
            }
        }
        do {
            $got = $this->collect(0);
            $this->dispatcher->dispatch();
        } while ($got > 0);

        return $result;
    }

    /**
     * Purges queued (RD_KAFKA_PURGE_F_QUEUE) and/or in-flight (RD_KAFKA_PURGE_F_INFLIGHT)
     * messages; each gets a delivery report with RD_KAFKA_RESP_ERR__PURGE_QUEUE or
     * RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, served by the next poll()/flush(). On a persistent
     * producer this purges the messages of every session of the shared client.
     *
     * @param int $purge_flags RD_KAFKA_PURGE_F_* flags
     *
     * @return int 0, or an error code
     */
    public function purge(int $purge_flags)
    {
        foreach ($this->clients as $client) {
            try {
                $client->purge($purge_flags);
            } catch (KafkaBridgeException $e) {
                return Errors::code($e->getCode());
            }
        }

        return 0;
    }

    /**
     * Messages queued or in flight plus delivery reports and other events not yet served.
     *
     * @return int
     */
    public function getOutQLen()
    {
        $len = $this->dispatcher->pendingCount();
        foreach ($this->clients as $client) {
            try {
                $len += $client->queueLength();
            } catch (KafkaBridgeException $e) {
                throw Errors::convert($e);
            }
        }

        return $len;
    }

    /**
     * kafkabridge's facts about the client that serves topics without properties of their own
     * (persistent, reused by this handle, age, sessions served, in flight, ...), or null before
     * that client exists. A kafkabridge addition, not part of php-rdkafka's API: it shows whether
     * `bridge.persistent.name` made this request reuse a live client.
     *
     * @return \KafkaBridge\ProducerInfo|null
     */
    public function getBridgeInfo()
    {
        if (!isset($this->clients[''])) {
            return null;
        }
        try {
            return $this->clients['']->info();
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Enqueues one message for a topic.
     *
     * @internal for ProducerTopic
     *
     * @param array<string, string>                         $overrides
     * @param array<int, array{0: string, 1: string|null}> $headers
     */
    public function produceTo(string $topic, string $key, array $overrides, int $partition, int $msgflags, ?string $payload, ?string $messageKey, array $headers, int $timestampMs, ?string $opaque, string $method): void
    {
        if ($partition !== \RD_KAFKA_PARTITION_UA && ($partition < 0 || $partition > 0x7FFFFFFF)) {
            throw new \InvalidArgumentException("Out of range value '" . $partition . "' for \$partition");
        }
        if ($msgflags !== 0 && $msgflags !== 4) {
            throw new \InvalidArgumentException("Invalid value '" . $msgflags . "' for \$msgflags");
        }
        $client = isset($this->clients[$key]) ? $this->clients[$key] : $this->client($key, $overrides);
        while (true) {
            try {
                $id = $client->produce($topic, $payload, $messageKey, $headers, $partition, $timestampMs);
                break;
            } catch (QueueFullException $e) {
                if ($msgflags !== 4) {
                    throw Errors::convert($e);
                }
                // RD_KAFKA_MSG_F_BLOCK: wait for room. Events are moved into the dispatcher (not
                // dispatched: callbacks run in poll()), which frees kafkabridge's event queue.
                try {
                    $this->drainClient($client, $key, 100);
                } catch (KafkaBridgeException $drainError) {
                    throw Errors::convert($drainError);
                }
            } catch (KafkaBridgeException $e) {
                throw Errors::convert($e);
            }
        }
        if ($this->tracksDeliveries) {
            if ($payload !== null && $messageKey === null && $headers === [] && $opaque === null) {
                // The common case keeps the payload alone (no array per message).
                $this->inFlight[$id] = $payload;
            } else {
                $map = [];
                foreach ($headers as $pair) {
                    $map[$pair[0]] = $pair[1];
                }
                $this->inFlight[$id] = [$payload, $messageKey, $map, $opaque];
            }
        }
    }

    /**
     * Frees the kafkabridge clients: private ones are flushed (bounded by
     * `bridge.close.timeout.ms`), persistent ones stay connected.
     */
    public function __destruct()
    {
        foreach ($this->clients as $client) {
            try {
                $client->close();
            } catch (\Throwable $e) {
                // The library wrote what it could not deliver to stderr.
            }
        }
        $this->clients = [];
    }

    protected function openDefaultClient(): Client
    {
        return $this->client('', []);
    }

    protected function drainClient(Client $client, string $key, int $waitMs): int
    {
        /** @var BridgeProducer $client */
        $events = $client->pollPackedEvents($waitMs, 1000);
        $this->dispatcher->addPacked($events, $key);

        return $events->count;
    }

    /**
     * The kafkabridge client for topic configuration $key, created on first use.
     *
     * @param array<string, string> $overrides
     *
     * @throws Exception when it cannot be created
     */
    private function client(string $key, array $overrides): BridgeProducer
    {
        if (isset($this->clients[$key])) {
            return $this->clients[$key];
        }
        $settings = $this->clientSettings($overrides);
        if ($key !== '' && isset($settings[Config::PERSISTENT_NAME]) && $settings[Config::PERSISTENT_NAME] !== '') {
            // One persistent client per distinct topic configuration.
            $settings[Config::PERSISTENT_NAME] .= '#' . $key;
        }
        if (!isset($settings['transactional.id']) && $this->dispatcher->callback('oauthbearer_token_refresh') === null) {
            $settings = AutoPersistence::apply($settings);
        }
        $config = self::bridgeConfig($settings);
        try {
            $client = new BridgeProducer($config);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $this->clients[$key] = $client;

        return $client;
    }

    /**
     * Runs the dr_msg_cb for the run of delivery reports at the cursor of a packed batch, each
     * read straight from the table (a report object each cost more than the callback's message).
     *
     * @internal for the dispatcher
     */
    public function deliverPacked(PackedEvents $events): int
    {
        $t = $events->table;
        $taken = 0;
        while ($events->row < $events->count) {
            $i = $events->row * PackedEvents::FIELDS + 1;
            if ($t[$i] !== \KafkaBridge\Event::DELIVERY) {
                break;
            }
            $events->row++;
            $topic = (string) $events->bytes($t[$i + 7]);
            $events->bytes($t[$i + 8]); // the error text: php-rdkafka's message has only the code
            $taken++;
            $this->deliver($t[$i + 2], $topic, $t[$i + 3], $t[$i + 4], $t[$i + 5], $t[$i + 1]);
        }

        return $taken;
    }

    /**
     * Runs the dr_msg_cb for a delivery report with the message it reports on.
     */
    private function deliver(int $id, string $topic, int $partition, int $offset, int $timestampMs, int $err): void
    {
        $sent = isset($this->inFlight[$id]) ? $this->inFlight[$id] : null;
        unset($this->inFlight[$id]);
        $cb = $this->dispatcher->callback('dr_msg');
        if ($cb === null) {
            return;
        }
        $message = new Message();
        $message->err = Errors::code($err);
        $message->topic_name = $topic;
        $message->partition = $partition;
        $message->offset = $offset;
        if (\is_array($sent)) {
            $message->payload = $sent[0];
            $message->key = $sent[1];
            $message->headers = $sent[2];
            $message->opaque = $sent[3];
        } elseif ($sent !== null) {
            $message->payload = $sent;
            $message->headers = [];
        }
        if ($message->payload !== null) {
            $message->len = strlen($message->payload);
            $message->timestamp = $timestampMs;
        }
        $cb($this, $message);
    }
}
