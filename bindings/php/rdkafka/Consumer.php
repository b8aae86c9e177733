<?php

declare(strict_types=1);

namespace RdKafka;

use KafkaBridge\Client;
use KafkaBridge\Consumer as BridgeConsumer;
use KafkaBridge\ErrorCode;
use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\TopicPartition as BridgeTopicPartition;
use RdKafka\Internal\Clock;
use RdKafka\Internal\Convert;
use RdKafka\Internal\Errors;

/**
 * php-rdkafka's legacy (simple) consumer on kafkabridge: partitions are started and stopped one
 * by one (ConsumerTopic::consumeStart()/consumeStop()) and read one partition, or one Queue, at
 * a time.
 *
 * Underneath is a kafkabridge consumer with manual (incremental) assignment. It fetches for all
 * started partitions at once; what arrives for a partition other than the one being read waits
 * in a per-partition buffer here (a partition whose buffer grows past 1000 messages is paused
 * until it drains, so memory stays bounded).
 *
 * Offsets, as librdkafka's legacy consumer keeps them: with `group.id`,
 * RD_KAFKA_OFFSET_STORED resumes after the group's committed offset; each message consume()
 * returns is stored (unless `enable.auto.offset.store=false`, then offsetStore() does it) and
 * stored offsets are committed automatically (`enable.auto.commit`, or the topic property
 * `auto.commit.enable`, both true by default) and when a partition is stopped, the consumer
 * destroyed or the script ends. Messages buffered but not returned are never stored.
 */
class Consumer extends \RdKafka
{
    /** Buffered messages of one partition at which it is paused. */
    private const PAUSE_AT = 1000;

    /** Buffered messages of a paused partition at which it is resumed. */
    private const RESUME_AT = 100;

    /**
     * Messages fetched per library call at most (well under PAUSE_AT: one fetch must not pause
     * the partition being read, as resuming restarts librdkafka's fetcher after a pause of up
     * to a second), and the bytes a batch stops growing at.
     */
    private const BATCH_MAX = 500;
    private const BATCH_BYTES = 1 << 20;

    /** @var array<string, bool> whether each client commits stored offsets automatically */
    private $autoCommit = [];

    /** @var array<string, bool> whether each client stores the offset of every returned message */
    private $autoStore = [];

    /** @var array<string, array{topic: string, partition: int, client: string, buffer: string, paused: bool, userPaused: bool}> started partitions; paused: fetching is paused in the library, userPaused: by pausePartitions() */
    private $routes = [];

    /** @var array<string, \SplQueue<array{0: string, 1: Message}>> buffers: one per partition ("p:...") or queue ("q:<id>") */
    private $buffers = [];

    /** @var array<string, int> buffered messages per started partition */
    private $buffered = [];

    /** @var array<string, int> offsets to store in the library (next offset to read), by partition */
    private $pendingStore = [];

    /** @var array<string, int> the last offset stored, by partition, committed when it stops */
    private $stored = [];

    /** @var array<string, int> the offset after the last message fetched, by partition (for EOF entries) */
    private $next = [];

    /** @var int */
    private $queueIds = 0;

    /**
     * @param Conf|null $conf properties and callbacks (copied); `group.id` for stored offsets
     */
    public function __construct(?Conf $conf = null)
    {
        $this->init($conf, 'consumer');
    }

    /**
     * A topic to consume. Properties of $topic_conf that differ from the Conf's (for example
     * `auto.offset.reset`) give the topic a kafkabridge client of its own.
     *
     * @param string         $topic_name
     * @param TopicConf|null $topic_conf
     *
     * @return ConsumerTopic
     */
    public function newTopic(string $topic_name, $topic_conf = null)
    {
        $overrides = $this->topicOverrides($topic_conf);
        $this->knownTopics[$topic_name] = true;

        return new ConsumerTopic($this, $topic_name, self::clientKey($overrides), $overrides);
    }

    /**
     * A queue to consume several partitions from (ConsumerTopic::consumeQueueStart()).
     *
     * @return Queue
     */
    public function newQueue()
    {
        $this->queueIds++;
        $queue = new Queue($this, $this->queueIds);
        $this->buffers['q:' . $this->queueIds] = new \SplQueue();

        return $queue;
    }

    /**
     * Pauses fetching for started partitions.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @return TopicPartition[] the partitions, with RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION as
     *                          error for those not started
     */
    public function pausePartitions(array $topic_partitions)
    {
        return $this->pauseOrResume($topic_partitions, true);
    }

    /**
     * Resumes fetching for paused partitions.
     *
     * @param TopicPartition[] $topic_partitions
     *
     * @return TopicPartition[]
     */
    public function resumePartitions(array $topic_partitions)
    {
        return $this->pauseOrResume($topic_partitions, false);
    }

    /**
     * Starts consuming a partition.
     *
     * @internal for ConsumerTopic
     *
     * @param array<string, string> $overrides
     */
    public function startPartition(string $topic, string $key, array $overrides, int $partition, int $offset, ?Queue $queue): void
    {
        if ($partition < 0 || $partition > 0x7FFFFFFF) {
            throw new \InvalidArgumentException("Out of range value '" . $partition . "' for \$partition");
        }
        if ($queue !== null && $queue->consumer() !== $this) {
            throw new Exception('the RdKafka\\Queue belongs to another RdKafka\\Consumer');
        }
        $tp = Convert::key($topic, $partition);
        if (isset($this->routes[$tp])) {
            throw new Exception($topic . ':' . $partition . ' is already being consumed by the same Consumer instance');
        }
        $client = $this->client($key, $overrides);
        try {
            $client->incrementalAssign([new BridgeTopicPartition($topic, $partition, $offset)]);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $buffer = $queue === null ? 'p:' . $tp : 'q:' . $queue->id();
        if (!isset($this->buffers[$buffer])) {
            $this->buffers[$buffer] = new \SplQueue();
        }
        $this->routes[$tp] = ['topic' => $topic, 'partition' => $partition, 'client' => $key, 'buffer' => $buffer, 'paused' => false, 'userPaused' => false];
        $this->buffered[$tp] = 0;
        unset($this->next[$tp]);
        if ($offset >= 0) {
            $this->next[$tp] = $offset;
        }
    }

    /**
     * Stops consuming a partition, committing its stored offset first when auto commit is on.
     *
     * @internal for ConsumerTopic
     */
    public function stopPartition(string $topic, int $partition): void
    {
        $tp = Convert::key($topic, $partition);
        if (!isset($this->routes[$tp])) {
            throw Errors::exception(\RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
        }
        $route = $this->routes[$tp];
        $client = $this->clients[$route['client']];
        $this->flushStores();
        if ($this->autoCommit[$route['client']] && isset($this->stored[$tp])) {
            try {
                $client->commit([new BridgeTopicPartition($topic, $partition, $this->stored[$tp])]);
            } catch (KafkaBridgeException $e) {
                if ($e->getCode() !== ErrorCode::NO_OFFSET) {
                    $this->dispatcher->addError($e->getCode(), 'committing ' . $topic . ' [' . $partition . '] on consumeStop: ' . $e->getMessage());
                }
            }
        }
        // Forget the partition before unassigning, so nothing of it is returned any more.
        $buffer = $route['buffer'];
        unset($this->routes[$tp], $this->buffered[$tp], $this->stored[$tp], $this->pendingStore[$tp], $this->next[$tp]);
        if (strncmp($buffer, 'p:', 2) === 0) {
            unset($this->buffers[$buffer]);
        } elseif (isset($this->buffers[$buffer])) {
            $kept = new \SplQueue();
            foreach ($this->buffers[$buffer] as $entry) {
                if ($entry[0] !== $tp) {
                    $kept->enqueue($entry);
                }
            }
            $this->buffers[$buffer] = $kept;
        }
        try {
            $client->incrementalUnassign([new BridgeTopicPartition($topic, $partition)]);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
    }

    /**
     * Reads up to $take messages of a started partition, waiting up to $timeoutMs until $take
     * (or, with $any, at least one) are there.
     *
     * @internal for ConsumerTopic
     *
     * @return Message[]
     */
    public function consumePartition(string $topic, int $partition, int $timeoutMs, int $take, bool $any): array
    {
        $tp = Convert::key($topic, $partition);
        if (!isset($this->routes[$tp])) {
            throw Errors::exception(\RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
        }
        $route = $this->routes[$tp];
        $buffer = $route['buffer'];
        $want = $any ? 1 : $take;
        $own = strncmp($buffer, 'p:', 2) === 0;
        if (!$own || count($this->buffers[$buffer]) < $want) {
            // Served from the buffer while it holds enough; events wait for the next fetch.
            $this->fill([$route['client']], $timeoutMs, function () use ($buffer, $want, $own): bool {
                return $own && isset($this->buffers[$buffer]) && count($this->buffers[$buffer]) >= $want;
            });
        }

        return $own ? $this->take($buffer, $take) : [];
    }

    /**
     * Reads the next message of a queue, waiting up to $timeoutMs.
     *
     * @internal for Queue
     *
     * @return Message[] none or one
     */
    public function consumeQueue(Queue $queue, int $timeoutMs): array
    {
        $buffer = 'q:' . $queue->id();
        if (isset($this->buffers[$buffer]) && !$this->buffers[$buffer]->isEmpty()) {
            return $this->take($buffer, 1);
        }
        $clients = [];
        foreach ($this->routes as $route) {
            if ($route['buffer'] === $buffer) {
                $clients[$route['client']] = true;
            }
        }
        $this->fill(array_keys($clients), $timeoutMs, function () use ($buffer): bool {
            return isset($this->buffers[$buffer]) && count($this->buffers[$buffer]) > 0;
        });

        return $this->take($buffer, 1);
    }

    /**
     * offsetStore(): $offset + 1 is committed next for the partition.
     *
     * @internal for ConsumerTopic
     */
    public function storeOffset(string $topic, int $partition, int $offset): void
    {
        $tp = Convert::key($topic, $partition);
        if (!isset($this->routes[$tp])) {
            throw Errors::exception(\RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
        }
        $this->pendingStore[$tp] = $offset + 1;
        $this->stored[$tp] = $offset + 1;
    }

    /**
     * Stops every partition (committing stored offsets) and frees the kafkabridge clients.
     */
    public function __destruct()
    {
        foreach ($this->routes as $route) {
            try {
                $this->stopPartition($route['topic'], $route['partition']);
            } catch (\Throwable $e) {
                // Keep stopping the others; the library's close below commits what is stored.
            }
        }
        foreach ($this->clients as $client) {
            try {
                $client->close();
            } catch (\Throwable $e) {
                // Nothing left to do with a client that failed to leave.
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
        /** @var BridgeConsumer $client */
        $events = $client->events($waitMs, 1000);
        $this->dispatcher->add($events, $key);

        return count($events);
    }

    /**
     * The kafkabridge consumer for topic configuration $key, created on first use. Offsets are
     * stored by this class (when a message is returned), so the client's own automatic store is
     * off; its automatic commit follows the Conf and topic properties.
     *
     * @param array<string, string> $overrides
     */
    private function client(string $key, array $overrides): BridgeConsumer
    {
        if (isset($this->clients[$key])) {
            return $this->clients[$key];
        }
        $settings = $this->clientSettings($overrides);
        $autoCommit = true;
        foreach (['enable.auto.commit', 'auto.commit.enable'] as $name) {
            if (isset($settings[$name]) && in_array(strtolower($settings[$name]), ['false', '0', 'f', 'no', 'off'], true)) {
                $autoCommit = false;
            }
        }
        $autoStore = !(isset($settings['enable.auto.offset.store']) && in_array(strtolower($settings['enable.auto.offset.store']), ['false', '0', 'f', 'no', 'off'], true));
        $hasGroup = isset($settings['group.id']) && $settings['group.id'] !== '';
        $settings['enable.auto.offset.store'] = 'false';
        if ($hasGroup) {
            $settings['enable.auto.commit'] = $autoCommit ? 'true' : 'false';
        }
        $config = self::bridgeConfig($settings);
        try {
            $client = new BridgeConsumer($config);
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $this->clients[$key] = $client;
        $this->autoCommit[$key] = $autoCommit && $hasGroup;
        $this->autoStore[$key] = $autoStore;

        return $client;
    }

    /**
     * Fetches from the given clients into the buffers until $ready() or the timeout, then
     * serves the events that came (errors, logs, statistics, commit results).
     *
     * @param string[] $keys client keys
     */
    private function fill(array $keys, int $timeoutMs, callable $ready): void
    {
        $deadline = Clock::deadline($timeoutMs);
        try {
            if (!$ready()) {
                // About to fetch: hand the offsets of what was returned so far to the library
                // (not on every buffered read: one call per partition per fetch).
                $this->flushStores();
            }
            while (!$ready()) {
                if ($keys === []) {
                    // Nothing started that could deliver here: wait out the timeout, as
                    // librdkafka does for an empty queue.
                    $left = Clock::remaining($deadline);
                    if ($left > 0) {
                        usleep($left * 1000);
                    }
                    break;
                }
                foreach ($keys as $key) {
                    $client = $this->clients[$key];
                    $wait = count($keys) === 1 ? Clock::remaining($deadline) : min(20, Clock::remaining($deadline));
                    $batch = $client->pollPacked($wait, 1, self::BATCH_MAX, self::BATCH_BYTES);
                    if ($batch[1] > 0) {
                        $messages = Convert::packedMessages($batch, $runs);
                        $starts = array_keys($runs);
                        foreach ($starts as $n => $start) {
                            $end = isset($starts[$n + 1]) ? $starts[$n + 1] : count($messages);
                            $this->route($runs[$start], array_slice($messages, $start, $end - $start));
                        }
                    }
                    $this->dispatcher->add($client->events(0, 1000), $key);
                    if ($ready()) {
                        break;
                    }
                }
                if ($timeoutMs === 0 || Clock::passed($deadline)) {
                    break;
                }
            }
        } catch (KafkaBridgeException $e) {
            throw Errors::convert($e);
        }
        $this->dispatcher->dispatch();
    }

    /**
     * Puts fetched messages of one partition ($tp) into its buffer (pausing the partition when
     * the buffer is full). An error entry for no started partition goes to the error callback;
     * messages of a partition no longer started are dropped (their offsets were never stored).
     *
     * @param Message[] $messages
     */
    private function route(string $tp, array $messages): void
    {
        foreach ($messages as $message) {
            $key = $tp;
            if (!isset($this->routes[$key]) && $message->err !== 0) {
                foreach ($this->routes as $started => $route) {
                    if ($route['topic'] === $message->topic_name) {
                        $key = $started;
                        break;
                    }
                }
                if (!isset($this->routes[$key])) {
                    $this->dispatcher->addError($message->err, (string) $message->payload);
                    continue;
                }
            }
            if (!isset($this->routes[$key])) {
                continue;
            }
            if ($message->err === 0) {
                $this->next[$key] = $message->offset + 1;
            } elseif ($message->err === \RD_KAFKA_RESP_ERR__PARTITION_EOF && $message->offset < 0 && isset($this->next[$key])) {
                // An EOF entry started at a logical offset, with nothing fetched yet, may lack
                // the end offset: the one after the last message fetched.
                $message->offset = $this->next[$key];
            }
            $route = $this->routes[$key];
            $this->buffers[$route['buffer']]->enqueue([$key, $message]);
            $this->buffered[$key]++;
            if (!$route['paused'] && $this->buffered[$key] >= self::PAUSE_AT) {
                $this->clients[$route['client']]->pause([new BridgeTopicPartition($route['topic'], $route['partition'])]);
                $this->routes[$key]['paused'] = true;
            }
        }
    }

    /**
     * Takes up to $take messages from a buffer, storing the offset of each returned message
     * (with auto store on) and resuming partitions whose buffer drained.
     *
     * @return Message[]
     */
    private function take(string $buffer, int $take): array
    {
        $out = [];
        if (!isset($this->buffers[$buffer])) {
            return $out;
        }
        $queue = $this->buffers[$buffer];
        while (count($out) < $take && !$queue->isEmpty()) {
            list($tp, $message) = $queue->dequeue();
            if (!isset($this->routes[$tp])) {
                continue;
            }
            $route = $this->routes[$tp];
            $this->buffered[$tp]--;
            if ($message->err === 0 && $this->autoStore[$route['client']]) {
                $this->pendingStore[$tp] = $message->offset + 1;
                $this->stored[$tp] = $message->offset + 1;
            }
            if ($route['paused'] && !$route['userPaused'] && $this->buffered[$tp] <= self::RESUME_AT) {
                try {
                    $this->clients[$route['client']]->resume([new BridgeTopicPartition($route['topic'], $route['partition'])]);
                } catch (KafkaBridgeException $e) {
                    throw Errors::convert($e);
                }
                $this->routes[$tp]['paused'] = false;
            }
            $out[] = $message;
        }

        return $out;
    }

    /**
     * Hands the offsets stored since the last fetch to the library (one call per partition per
     * fetch, not per message), where automatic commits pick them up.
     */
    private function flushStores(): void
    {
        foreach ($this->pendingStore as $tp => $offset) {
            if (!isset($this->routes[$tp])) {
                continue;
            }
            $route = $this->routes[$tp];
            try {
                $this->clients[$route['client']]->storeOffset($route['topic'], $route['partition'], $offset);
            } catch (KafkaBridgeException $e) {
                $this->dispatcher->addError($e->getCode(), 'storing the offset of ' . $route['topic'] . ' [' . $route['partition'] . ']: ' . $e->getMessage());
            }
        }
        $this->pendingStore = [];
    }

    /**
     * @param mixed $topicPartitions
     *
     * @return TopicPartition[]
     */
    private function pauseOrResume($topicPartitions, bool $pause): array
    {
        $method = static::class . ($pause ? '::pausePartitions' : '::resumePartitions');
        Convert::toBridgePartitions($topicPartitions, $method);
        $out = [];
        foreach ($topicPartitions as $tp) {
            $result = new TopicPartition((string) $tp->getTopic(), $tp->getPartition(), $tp->getOffset());
            $key = Convert::key((string) $tp->getTopic(), $tp->getPartition());
            if (!isset($this->routes[$key])) {
                $result->setErr(\RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
                $out[] = $result;
                continue;
            }
            $route = $this->routes[$key];
            $bridge = [new BridgeTopicPartition($route['topic'], $route['partition'])];
            try {
                if ($pause && !$route['paused']) {
                    $this->clients[$route['client']]->pause($bridge);
                } elseif (!$pause && $route['paused'] && $this->buffered[$key] < self::PAUSE_AT) {
                    // Stays paused while its buffer is full; take() resumes it once drained.
                    $this->clients[$route['client']]->resume($bridge);
                    $this->routes[$key]['paused'] = false;
                }
                if ($pause) {
                    $this->routes[$key]['paused'] = true;
                }
                $this->routes[$key]['userPaused'] = $pause;
                $result->setErr(0);
            } catch (KafkaBridgeException $e) {
                $result->setErr(Errors::code($e->getCode()));
            }
            $out[] = $result;
        }

        return $out;
    }
}
