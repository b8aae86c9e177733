<?php

/*
 * rdkafka_bench.php: the php-rdkafka comparison of bench/README.md. Code written for the
 * php-rdkafka extension (RdKafka\ API), run unchanged on either implementation:
 *
 *   php -d extension=/path/to/rdkafka.so bench/php/rdkafka_bench.php OP ...   (the extension)
 *   php bench/php/rdkafka_bench.php OP ...                                     (the drop-in)
 *
 *   OP: produce|consume|legacy-consume|fill --brokers=HOST:PORT --topic=NAME --messages=N
 *       --size=BYTES [--mode=single]
 *
 *   Environment: BENCH_RDKAFKA_CONF="key=value,..." adds settings to every producer (default none).
 *
 * The drop-in's autoload.php returns at once when the extension is loaded, so this one file
 * serves both; "impl" in the JSON line says which one ran (rdkafka-ext or rdkafka-drop-in).
 * Prints one JSON line on stdout; any failure exits non-zero with a message on stderr.
 *
 *   produce         RdKafka\Producer, a dr_msg_cb counting deliveries (checking $msg->err),
 *                   ProducerTopic::produce(RD_KAFKA_PARTITION_UA, 0, $payload), poll(0) every
 *                   1,000 messages, then flush() until done. One untimed warm-up message first;
 *                   the clock runs from the first timed produce until flush() returned with every
 *                   report in (N + 1 successful reports in all).
 *   consume         RdKafka\KafkaConsumer, a fresh group.id, subscribe, consume(1000) until every
 *                   partition reported EOF after N messages; clock from the first message to the
 *                   Nth.
 *   legacy-consume  RdKafka\Consumer: ConsumerTopic::consumeStart(p, RD_KAFKA_OFFSET_BEGINNING)
 *                   and consume(p, 1000) on a one-partition topic; on more partitions
 *                   consumeQueueStart() into one Queue and Queue::consume(1000). Same counting.
 *   fill            (not a measurement) N messages as in produce, no warm-up: prepares the
 *                   topics the consume operations read.
 */

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/rdkafka/autoload.php';
require __DIR__ . '/args.php';

/** rdkafka-ext when the php-rdkafka extension is loaded, else the kafkabridge drop-in. */
define('IMPL', extension_loaded('rdkafka') ? 'rdkafka-ext' : 'rdkafka-drop-in');
/** produce: poll(0) every this many messages. */
const POLL_EVERY = 1000;
/** consume: the timeout of one consume() call. */
const CONSUME_TIMEOUT_MS = 1000;
/** consume: give up when no message arrived for this long (the topic holds fewer than N). */
const IDLE_LIMIT_NS = 30 * 1000000000;
/** produce: flush() in steps of this long, for at most FLUSH_LIMIT_MS in all. */
const FLUSH_STEP_MS = 1000;
const FLUSH_LIMIT_MS = 120000;
const METADATA_TIMEOUT_MS = 10000;

const USAGE = 'usage: php [-d extension=rdkafka.so] bench/php/rdkafka_bench.php produce|consume|legacy-consume|fill '
    . '--brokers=HOST:PORT --topic=NAME --messages=N --size=BYTES [--mode=single]';

function fail(string $message): never
{
    fwrite(STDERR, 'rdkafka_bench.php (' . IMPL . "): $message\n");
    exit(1);
}

final class Args
{
    public string $op;
    public ?string $brokers = null;
    public ?string $topic = null;
    public int $messages = 0;
    public int $size = -1;
    public string $mode = 'single';

    /** @param string[] $argv */
    public static function parse(array $argv): self
    {
        $a = new self();
        bench_parse_args($a, $argv, ['produce', 'consume', 'legacy-consume', 'fill'], USAGE, 'fail');
        // The php-rdkafka API has no batch produce; its consumeBatch is not measured.
        if ($a->mode !== 'single') {
            fail("--mode must be single (php-rdkafka has no batch produce), got \"$a->mode\"");
        }
        if ($a->brokers === null || $a->topic === null) {
            fail('--brokers and --topic are required');
        }

        return $a;
    }

    public function json(float $seconds, array $extra = []): void
    {
        $row = [
            'impl' => IMPL,
            'op' => $this->op,
            'mode' => 'single',
            'size' => $this->size,
            'messages' => $this->messages,
            'seconds' => round($seconds, 6),
            'rate' => round($this->messages / max($seconds, 1e-9), 1),
        ] + $extra + [
            'librdkafka' => librdkafka_version(),
            'rdkafka_ext' => extension_loaded('rdkafka') ? phpversion('rdkafka') : null,
            // {"code": calls}; an object even when empty
            'error_cb' => (object) array_map('intval', $GLOBALS['error_cb']),
        ];
        echo json_encode($row, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
    }
}

/** The librdkafka this process runs on (the extension's RD_KAFKA_VERSION is rd_kafka_version()). */
function librdkafka_version(): string
{
    if (!extension_loaded('rdkafka')) {
        return \KafkaBridge\Library::librdkafkaVersion();
    }
    $v = RD_KAFKA_VERSION;

    return sprintf('%d.%d.%d', ($v >> 24) & 0xff, ($v >> 16) & 0xff, ($v >> 8) & 0xff);
}

/** error_cb calls so far, by error code; reported in the JSON line ("error_cb"). */
$GLOBALS['error_cb'] = [];

/** error_cb: a fatal error ends the run; others (a broker restart, say) are counted and go to stderr. */
function on_error(object $kafka, int $err, string $reason): void
{
    $GLOBALS['error_cb'][$err] = ($GLOBALS['error_cb'][$err] ?? 0) + 1;
    if ($err === RD_KAFKA_RESP_ERR__FATAL) {
        fail("fatal client error: $reason");
    }
    fwrite(STDERR, 'rdkafka_bench.php (' . IMPL . '): client error: ' . rd_kafka_err2name($err) . " ($err): $reason\n");
}

/** The partition count of the topic, from the client's metadata (untimed). */
function partition_count(object $kafka, object $topic): int
{
    $metadata = $kafka->getMetadata(false, $topic, METADATA_TIMEOUT_MS);
    foreach ($metadata->getTopics() as $t) {
        if ($t->getTopic() === $topic->getName()) {
            if ($t->getErr() !== RD_KAFKA_RESP_ERR_NO_ERROR) {
                fail("topic {$t->getTopic()}: " . rd_kafka_err2str($t->getErr()));
            }

            return count($t->getPartitions());
        }
    }
    fail("topic {$topic->getName()} is not in the metadata");
}

/** A producer, its topic, and the delivery reports its dr_msg_cb counted. */
final class Sender
{
    public int $delivered = 0;
    public int $failed = 0;
    public string $firstError = '';
    /** How often produce() was refused with RD_KAFKA_RESP_ERR__QUEUE_FULL (then poll and retry). */
    public int $queueFull = 0;
    public RdKafka\Producer $producer;
    public RdKafka\ProducerTopic $topic;

    public function __construct(Args $a)
    {
        $conf = new RdKafka\Conf();
        // The producer settings of every produce run of bench/README.md (no kafkabridge-only
        // bridge.* setting: the same configuration must load on the extension).
        $conf->set('bootstrap.servers', $a->brokers);
        $conf->set('acks', 'all');
        $conf->set('linger.ms', '5');
        $conf->set('compression.type', 'none');
        $conf->set('queue.buffering.max.messages', '1000000');
        $conf->set('queue.buffering.max.kbytes', '1048576');
        // BENCH_RDKAFKA_CONF="key=value,...": extra producer settings for investigations, on both
        // implementations alike (e.g. enable.idempotence=false; default none).
        foreach (array_filter(explode(',', (string) getenv('BENCH_RDKAFKA_CONF'))) as $pair) {
            [$key, $value] = explode('=', $pair, 2) + [1 => ''];
            $conf->set($key, $value);
        }
        $conf->setDrMsgCb(function (RdKafka\Producer $kafka, RdKafka\Message $message): void {
            if ($message->err === RD_KAFKA_RESP_ERR_NO_ERROR) {
                $this->delivered++;
            } else {
                if ($this->failed++ === 0) {
                    $this->firstError = rd_kafka_err2name($message->err) . " ({$message->err}): " . $message->errstr();
                }
            }
        });
        $conf->setErrorCb('on_error');
        $this->producer = new RdKafka\Producer($conf);
        $this->topic = $this->producer->newTopic($a->topic);
    }

    /** $count messages, poll(0) every POLL_EVERY; on a full queue poll(100) and retry the same one. */
    public function send(string $payload, int $count): void
    {
        for ($i = 1; $i <= $count; $i++) {
            while (true) {
                try {
                    $this->topic->produce(RD_KAFKA_PARTITION_UA, 0, $payload);
                    break;
                } catch (RdKafka\Exception $e) {
                    if ($e->getCode() !== RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        throw $e;
                    }
                    $this->queueFull++;
                    $this->producer->poll(100);
                }
            }
            if ($i % POLL_EVERY === 0) {
                $this->producer->poll(0);
            }
        }
    }

    /** flush() until it succeeds; then every one of $expected reports must be in, and successful. */
    public function flushAll(int $expected): void
    {
        $deadline = hrtime(true) + FLUSH_LIMIT_MS * 1000000;
        while (($err = $this->producer->flush(FLUSH_STEP_MS)) !== RD_KAFKA_RESP_ERR_NO_ERROR) {
            if ($err !== RD_KAFKA_RESP_ERR__TIMED_OUT) {
                fail('flush() returned ' . rd_kafka_err2name($err) . " ($err)");
            }
            if (hrtime(true) > $deadline) {
                fail("flush() still timing out after " . FLUSH_LIMIT_MS . " ms ({$this->delivered} of $expected delivered)");
            }
        }
        if ($this->failed > 0) {
            fail("{$this->failed} deliveries failed, the first: {$this->firstError}");
        }
        if ($this->delivered !== $expected) {
            fail("flush() returned NO_ERROR with {$this->delivered} successful delivery reports of $expected "
                . "(outq_len " . $this->producer->getOutQLen() . ')');
        }
    }
}

function produce(Args $a): void
{
    $payload = str_repeat('x', $a->size);
    $s = new Sender($a);
    $s->send($payload, 1); // warm-up: connection, metadata, producer id; untimed
    $s->flushAll(1);

    $start = hrtime(true);
    $s->send($payload, $a->messages);
    $s->flushAll(1 + $a->messages);
    $seconds = (hrtime(true) - $start) / 1e9;

    $a->json($seconds, ['delivered' => $s->delivered, 'queue_full' => $s->queueFull]);
}

function fill(Args $a): void
{
    $s = new Sender($a);
    $start = hrtime(true);
    $s->send(str_repeat('x', $a->size), $a->messages);
    $s->flushAll($a->messages);
    $a->json((hrtime(true) - $start) / 1e9, ['delivered' => $s->delivered, 'queue_full' => $s->queueFull]);
}

/** Counts what the consumer returns; done once N messages are in and every partition is at EOF. */
final class Reader
{
    public int $got = 0;
    public int $bytes = 0;
    public int $start = 0;
    public int $end = 0;
    public int $eofEvents = 0;
    public int $timeouts = 0;
    /** @var array<int, true> partitions whose last entry was an EOF */
    private array $atEof = [];
    private int $last;

    public function __construct(private Args $a, private int $partitions)
    {
        $this->last = hrtime(true);
    }

    /** One result of consume(): a message, an EOF, a timeout (null from the legacy calls) or an error. */
    public function take(?RdKafka\Message $m): bool
    {
        $now = hrtime(true);
        if ($m === null || $m->err === RD_KAFKA_RESP_ERR__TIMED_OUT) {
            $this->timeouts++;
            if ($now - $this->last > IDLE_LIMIT_NS) {
                fail("no message for 30 s after {$this->got} of {$this->a->messages} (does \"{$this->a->topic}\" hold enough?)");
            }

            return false;
        }
        if ($m->err === RD_KAFKA_RESP_ERR_NO_ERROR) {
            if ($this->got === 0) {
                $this->start = $now;
            }
            $this->got++;
            $this->bytes += strlen($m->payload ?? '');
            unset($this->atEof[$m->partition]);
            if ($this->got === $this->a->messages) {
                $this->end = $now;
            }
            $this->last = $now;

            return false;
        }
        if ($m->err === RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            $this->eofEvents++;
            $this->atEof[$m->partition] = true;

            return $this->got >= $this->a->messages && count($this->atEof) >= $this->partitions;
        }
        fail("consumer error after {$this->got} messages: " . rd_kafka_err2name($m->err) . " ({$m->err}): " . $m->errstr());
    }

    public function finish(): void
    {
        $a = $this->a;
        if ($this->got !== $a->messages) {
            fail("read {$this->got} messages up to EOF on every partition, expected {$a->messages}");
        }
        $expected = $a->messages * $a->size;
        if ($this->bytes !== $expected) {
            fail("payload lengths sum to {$this->bytes} bytes, expected $expected ({$a->messages} x {$a->size})");
        }
        $a->json(($this->end - $this->start) / 1e9, [
            'partitions' => $this->partitions,
            'eof_events' => $this->eofEvents,
            'timeouts' => $this->timeouts,
        ]);
    }
}

function consume(Args $a): void
{
    $conf = new RdKafka\Conf();
    $conf->set('bootstrap.servers', $a->brokers);
    $conf->set('group.id', sprintf('bench-%s-%d-%d', IMPL, getmypid(), time()));
    $conf->set('auto.offset.reset', 'earliest');
    $conf->set('enable.partition.eof', 'true');
    $conf->set('enable.auto.commit', 'false');
    // As in every consume run of bench/README.md: without it a reader slower than the fetcher
    // would measure librdkafka's 1 s fetch pause instead of the client.
    $conf->set('fetch.queue.backoff.ms', '10');
    $conf->setErrorCb('on_error');
    $consumer = new RdKafka\KafkaConsumer($conf);
    $r = new Reader($a, partition_count($consumer, $consumer->newTopic($a->topic)));
    $consumer->subscribe([$a->topic]);
    while (!$r->take($consumer->consume(CONSUME_TIMEOUT_MS))) {
    }
    // Destroyed, not close()d: the extension's (6.0.4) close() runs rd_kafka_consumer_close() and
    // forgets the handle without rd_kafka_destroy(), so librdkafka's threads outlive it and, in
    // about one run in eight, crash (SIGSEGV) when PHP unloads the extension at exit. Its
    // destructor closes and destroys; so does the drop-in's.
    unset($consumer);
    $r->finish();
}

function legacy_consume(Args $a): void
{
    $conf = new RdKafka\Conf();
    $conf->set('bootstrap.servers', $a->brokers);
    $conf->set('enable.partition.eof', 'true');
    $conf->set('fetch.queue.backoff.ms', '10');
    $conf->setErrorCb('on_error');
    $consumer = new RdKafka\Consumer($conf);
    $topic = $consumer->newTopic($a->topic);
    $partitions = partition_count($consumer, $topic);
    $r = new Reader($a, $partitions);
    if ($partitions === 1) {
        $topic->consumeStart(0, RD_KAFKA_OFFSET_BEGINNING);
        while (!$r->take($topic->consume(0, CONSUME_TIMEOUT_MS))) {
        }
    } else {
        $queue = $consumer->newQueue();
        for ($p = 0; $p < $partitions; $p++) {
            $topic->consumeQueueStart($p, RD_KAFKA_OFFSET_BEGINNING, $queue);
        }
        while (!$r->take($queue->consume(CONSUME_TIMEOUT_MS))) {
        }
    }
    for ($p = 0; $p < $partitions; $p++) {
        $topic->consumeStop($p);
    }
    $r->finish();
}

// Warnings are failures too: a figure computed past one is not trusted.
set_error_handler(static function (int $no, string $message, string $file, int $line): bool {
    throw new \ErrorException($message, 0, $no, $file, $line);
});

try {
    $args = Args::parse($argv);
    match ($args->op) {
        'produce' => produce($args),
        'fill' => fill($args),
        'consume' => consume($args),
        'legacy-consume' => legacy_consume($args),
    };
} catch (\Throwable $e) {
    fail(get_class($e) . ': ' . $e->getMessage());
}
