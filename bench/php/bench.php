<?php

/*
 * bench.php: the benchmark operations of bench/README.md on the PHP FFI binding (KafkaBridge\ API).
 *
 *   php bench/php/bench.php produce|consume|crossing|sync --brokers=HOST:PORT --topic=NAME
 *       --messages=N --size=BYTES [--mode=single|batch] [--batch=1000]
 *
 * Runs from any directory with the CLI's default php.ini (ffi.enable=preload allows FFI on the
 * command line); the binding finds the library of this repository by itself. Prints one JSON line
 * on stdout; any failure exits non-zero with a message on stderr.
 *
 * `single` is one call per message (Producer::produce(), Consumer::poll()), `batch` the batch
 * calls (Producer::produceBatch(), Consumer::pollBatch()). `sync` has one mode
 * (Producer::produceSync() on a persistent producer).
 */

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';
require __DIR__ . '/args.php';

use KafkaBridge\Consumer;
use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Exception\BatchProduceException;
use KafkaBridge\Exception\QueueFullException;
use KafkaBridge\Library;
use KafkaBridge\Partition;
use KafkaBridge\Producer;

const IMPL = 'php';
/** crossing: produce calls are timed per chunk of this many messages. */
const CHUNK = 10000;
/** produce: drain the delivery reports that are ready every this many messages. */
const DRAIN_EVERY = 10000;
/** Most events taken by one pollEvents() call. */
const EVENTS_PER_POLL = 10000;
/** sync: untimed sends before the measured ones. */
const SYNC_WARMUP = 100;
const SYNC_TIMEOUT_MS = 30000;
/** consume: give up when no message arrived for this long (the topic holds fewer than N). */
const IDLE_LIMIT_NS = 30 * 1000000000;
/** Bound of the untimed flushes; a healthy broker needs far less. */
const FLUSH_TIMEOUT_MS = 60000;

const USAGE = 'usage: php bench/php/bench.php produce|consume|crossing|sync --brokers=HOST:PORT --topic=NAME '
    . '--messages=N --size=BYTES [--mode=single|batch] [--batch=1000]';

function fail(string $message): never
{
    fwrite(STDERR, "bench.php: $message\n");
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
    public int $batch = 1000;

    /** @param string[] $argv */
    public static function parse(array $argv): self
    {
        $a = new self();
        bench_parse_args($a, $argv, ['produce', 'consume', 'crossing', 'sync'], USAGE, 'fail');
        if ($a->mode !== 'single' && $a->mode !== 'batch') {
            fail("--mode must be single or batch, got \"$a->mode\"");
        }
        if ($a->batch < 1) {
            fail('--batch must be at least 1');
        }
        // The mock cluster of `crossing` needs no brokers and any topic name will do.
        if ($a->op === 'crossing') {
            $a->topic ??= 'bench-crossing';
        } elseif ($a->brokers === null || $a->topic === null) {
            fail('--brokers and --topic are required');
        }
        if ($a->mode === 'batch' && $a->op === 'sync') {
            fail('sync has no batch form: run it with --mode=single');
        }

        return $a;
    }

    public function json(float $seconds, string $extra = ''): void
    {
        printf(
            "{\"impl\":\"%s\",\"op\":\"%s\",\"mode\":\"%s\",\"size\":%d,\"messages\":%d,\"seconds\":%.6f,\"rate\":%.1f%s}\n",
            IMPL,
            $this->op,
            $this->mode,
            $this->size,
            $this->messages,
            $seconds,
            $this->messages / $seconds,
            $extra
        );
    }
}

/** A producer, the count of its successful delivery reports, and the sends that retry on a full queue. */
final class Sender
{
    public int $delivered = 0;

    public function __construct(public Producer $producer, private string $topic, private string $value)
    {
    }

    /** Takes the ready events (waiting up to $timeoutMs for the first); a failed delivery ends the run. */
    public function serve(int $timeoutMs): int
    {
        $events = $this->producer->pollEvents($timeoutMs, EVENTS_PER_POLL);
        foreach ($events as $event) {
            if ($event instanceof DeliveryReport) {
                if (!$event->isDelivered()) {
                    fail("message {$event->getMessageId()} failed delivery: {$event->getErrorName()} ({$event->getErr()}): {$event->getErrorText()}");
                }
                $this->delivered++;
            } elseif ($event instanceof ErrorEvent) {
                if ($event->isFatal()) {
                    fail("fatal client error: {$event->getErrorName()} ({$event->getErr()}): {$event->getText()}");
                }
                fwrite(STDERR, "bench.php: client error: {$event->getErrorName()} ({$event->getErr()}): {$event->getText()}\n");
            }
        }

        return count($events);
    }

    public function serveReady(): void
    {
        while ($this->serve(0) === EVENTS_PER_POLL) {
        }
    }

    public function waitReports(int $target): void
    {
        while ($this->delivered < $target) {
            $this->serve(1000);
        }
    }

    /** One message; on a full queue (either kind) takes a report and retries the same message. */
    public function one(): void
    {
        while (true) {
            try {
                $this->producer->produce($this->topic, $this->value);

                return;
            } catch (QueueFullException $e) {
                $this->waitReports($this->delivered + 1);
            }
        }
    }

    /**
     * The records with one call; on a full queue takes a report and retries from the refused one.
     *
     * @param array<int, array{value: string}> $records
     */
    public function batch(array $records): void
    {
        while (true) {
            try {
                $this->producer->produceBatch($records, $this->topic);

                return;
            } catch (BatchProduceException $e) {
                if (!$e->getPrevious() instanceof QueueFullException) {
                    throw $e;
                }
                $records = array_slice($records, $e->getFailedIndex());
                $this->waitReports($this->delivered + 1);
            }
        }
    }

    /**
     * crossing: $count messages in the mode asked for, $records being one full batch.
     *
     * @param array<int, array{value: string}> $records
     */
    public function many(Args $a, array $records, int $count): void
    {
        if ($a->mode === 'single') {
            for ($i = 0; $i < $count; $i++) {
                $this->one();
            }

            return;
        }
        for ($i = 0; $i < $count; $i += $a->batch) {
            $this->batch($count - $i >= $a->batch ? $records : array_slice($records, 0, $count - $i));
        }
    }
}

/** The same record --batch times, built once: it is the caller's data. */
function records(Args $a, string $value): array
{
    return array_fill(0, $a->batch, ['value' => $value]);
}

function produce(Args $a): void
{
    $producer = new Producer([
        'bootstrap.servers' => $a->brokers,
        'acks' => 'all',
        'linger.ms' => '5',
        'compression.type' => 'none',
        'queue.buffering.max.messages' => '1000000',
        'queue.buffering.max.kbytes' => '1048576',
        'bridge.event.queue.size' => '2000000',
    ]);
    $value = str_repeat('x', $a->size);
    $s = new Sender($producer, $a->topic, $value);
    $records = records($a, $value);

    $s->one(); // warm-up, untimed
    $producer->flush(FLUSH_TIMEOUT_MS);
    $s->waitReports(1);

    $start = hrtime(true);
    $sent = 0;
    $sinceDrain = 0;
    while ($sent < $a->messages) {
        if ($a->mode === 'single') {
            $s->one();
            $step = 1;
        } else {
            $step = min($a->batch, $a->messages - $sent);
            $s->batch($step === $a->batch ? $records : array_slice($records, 0, $step));
        }
        $sent += $step;
        $sinceDrain += $step;
        if ($sinceDrain >= DRAIN_EVERY) {
            $s->serveReady();
            $sinceDrain = 0;
        }
    }
    $s->waitReports(1 + $a->messages);
    $seconds = (hrtime(true) - $start) / 1e9;

    $producer->close();
    $a->json($seconds);
}

function crossing(Args $a): void
{
    $producer = new Producer([
        'test.mock.num.brokers' => '1',
        'linger.ms' => '100',
        'queue.buffering.max.messages' => '1000000',
        'queue.buffering.max.kbytes' => '1048576',
        'bridge.event.queue.size' => '2000000',
    ]);
    $value = str_repeat('x', $a->size);
    $s = new Sender($producer, $a->topic, $value);
    $records = records($a, $value);

    $timed = 0;
    $sent = 0;
    while ($sent < $a->messages) {
        $chunk = min(CHUNK, $a->messages - $sent);
        $start = hrtime(true);
        $s->many($a, $records, $chunk);
        $timed += hrtime(true) - $start;
        $sent += $chunk;
        $producer->flush(FLUSH_TIMEOUT_MS);
        $s->waitReports($sent);
    }

    $producer->close();
    $a->json($timed / 1e9, sprintf(',"ns_per_msg":%.1f', $timed / $a->messages));
}

/** Nearest-rank percentile of sorted figures. */
function percentile(array $sorted, float $p): float
{
    $rank = (int) ceil($p / 100 * count($sorted));

    return $sorted[max(1, min($rank, count($sorted))) - 1];
}

function sync(Args $a): void
{
    $producer = Producer::persistent('bench-php-sync', [
        'bootstrap.servers' => $a->brokers,
        'acks' => 'all',
        'linger.ms' => '0',
    ]);
    $value = str_repeat('x', $a->size);
    for ($i = 0; $i < SYNC_WARMUP; $i++) {
        $producer->produceSync($a->topic, $value, null, [], Partition::UNASSIGNED, 0, SYNC_TIMEOUT_MS);
    }
    $micros = [];
    $start = hrtime(true);
    for ($i = 0; $i < $a->messages; $i++) {
        $t0 = hrtime(true);
        // Throws on a failed delivery or when no report came in time.
        $producer->produceSync($a->topic, $value, null, [], Partition::UNASSIGNED, 0, SYNC_TIMEOUT_MS);
        $micros[] = (hrtime(true) - $t0) / 1e3;
    }
    $seconds = (hrtime(true) - $start) / 1e9;

    $producer->close();
    Library::shutdown();
    $mean = array_sum($micros) / count($micros);
    sort($micros);
    $a->json($seconds, sprintf(
        ',"p50_us":%.1f,"p99_us":%.1f,"mean_us":%.1f',
        percentile($micros, 50),
        percentile($micros, 99),
        $mean
    ));
}

function consume(Args $a): void
{
    $consumer = new Consumer([
        'bootstrap.servers' => $a->brokers,
        'group.id' => sprintf('bench-%s-%d-%d', IMPL, getmypid(), time()),
        'auto.offset.reset' => 'earliest',
        'enable.auto.commit' => 'false',
        'fetch.queue.backoff.ms' => '10',
    ]);
    $consumer->subscribe([$a->topic]);

    $got = 0;
    $bytes = 0;
    $start = 0;
    $end = 0;
    $last = hrtime(true);
    while ($got < $a->messages) {
        if ($a->mode === 'single') {
            $message = $consumer->poll(1000);
            $messages = $message === null ? [] : [$message];
        } else {
            // Never ask for more than N in total: the batch call waits for `max` or the timeout.
            $messages = $consumer->pollBatch(1000, min($a->batch, $a->messages - $got));
        }
        $now = hrtime(true);
        if ($messages === []) {
            if ($now - $last > IDLE_LIMIT_NS) {
                fail("no message for 30 s after $got of {$a->messages} (does \"{$a->topic}\" hold enough?)");
            }
            continue;
        }
        foreach ($messages as $message) {
            if ($message->isError()) {
                fail("consumer error after $got messages: {$message->getErr()}: {$message->getErrorText()}");
            }
            $bytes += strlen($message->getValue() ?? '');
        }
        if ($got === 0) {
            $start = $now;
        }
        $got += count($messages);
        $last = $end = $now;
    }
    $seconds = ($end - $start) / 1e9;

    $consumer->close();
    $expected = $a->messages * $a->size;
    if ($bytes !== $expected) {
        fail("value lengths sum to $bytes bytes, expected $expected ({$a->messages} x {$a->size})");
    }
    $a->json($seconds);
}

// Warnings are failures too: a figure computed past one is not trusted.
set_error_handler(static function (int $no, string $message, string $file, int $line): bool {
    throw new \ErrorException($message, 0, $no, $file, $line);
});

try {
    $args = Args::parse($argv);
    match ($args->op) {
        'produce' => produce($args),
        'crossing' => crossing($args),
        'sync' => sync($args),
        'consume' => consume($args),
    };
} catch (\Throwable $e) {
    fail(get_class($e) . ': ' . $e->getMessage());
}
