<?php

declare(strict_types=1);

namespace RdKafka\Internal;

use KafkaBridge\CommitEvent;
use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorEvent;
use KafkaBridge\Event;
use KafkaBridge\Internal\PackedEvents;
use KafkaBridge\LogEvent;
use KafkaBridge\OAuthBearerRefreshEvent;
use KafkaBridge\RebalanceEvent;
use KafkaBridge\StatsEvent;

/**
 * Runs the php-rdkafka callbacks of one client on the PHP thread. kafkabridge never calls into
 * PHP: its events are collected into this queue and dispatched, in order, inside poll(),
 * flush() and consume(), with php-rdkafka's argument order ($kafka first).
 *
 * Delivery reports and rebalances are handed to the owner's handlers (they need the owner's
 * state); errors, logs, statistics and commit results are dispatched here. When a callback
 * throws, the events after it stay queued for the next dispatch and the exception propagates.
 *
 * @internal
 */
final class Dispatcher
{
    /** php-rdkafka's RD_KAFKA_LOG_PRINT: log lines to stderr in librdkafka's format. */
    public const LOG_PRINT = 100;

    /** php-rdkafka's RD_KAFKA_LOG_SYSLOG: log lines to syslog. */
    public const LOG_SYSLOG = 101;

    /** php-rdkafka's RD_KAFKA_LOG_SYSLOG_PRINT: both. */
    public const LOG_SYSLOG_PRINT = 102;

    /** @var \WeakReference the RdKafka client, the callbacks' first argument (weak: no reference cycle, so the client is destroyed as soon as the application drops it, as in php-rdkafka) */
    private $owner;

    /** @var array<string, callable> */
    private $callbacks;

    /** @var string the client name in printed log lines */
    private $name;

    /** @var int|null the highest syslog level to pass on (setLogLevel()), null: all */
    private $logLevel;

    /** @var int|null a LOG_* mode from setLogger(), null: the log callback if set, else print */
    private $logger;

    /** @var \SplQueue<array> events not yet dispatched, each [Event or PackedEvents, context]; [null, '', 'error'|'commit', code, reason or partitions] for the drop-in's own */
    private $pending;

    /** @var callable|null function (object $owner, DeliveryReport $report, string $context): void, a static closure */
    private $deliveryHandler;

    /** @var callable|null function (object $owner, PackedEvents $events, string $context): int, a static closure */
    private $packedDeliveryHandler;

    /** @var callable|null function (object $owner, RebalanceEvent $event, string $context): void, a static closure */
    private $rebalanceHandler;

    /** @var resource|null */
    private static $stderr;

    /** @var int */
    private static $instances = 0;

    /**
     * @param object                 $owner     the client passed to the callbacks
     * @param array<string, callable> $callbacks from Conf::callbacks()
     * @param string                 $type      "producer" or "consumer", for the client name
     */
    public function __construct($owner, array $callbacks, string $type)
    {
        $this->owner = \WeakReference::create($owner);
        $this->pending = new \SplQueue();
        $this->callbacks = $callbacks;
        self::$instances++;
        $this->name = 'rdkafka#' . $type . '-' . self::$instances;
    }

    /** The handler for delivery reports (a static closure: it gets the owner as first argument). */
    public function setDeliveryHandler(callable $handler): void
    {
        $this->deliveryHandler = $handler;
    }

    /**
     * The handler for the delivery reports of a packed batch: it takes the run of reports at
     * the batch's cursor (one at least), moving the cursor past each before its callback runs,
     * and returns how many it took. A static closure: it gets the owner as first argument.
     */
    public function setPackedDeliveryHandler(callable $handler): void
    {
        $this->packedDeliveryHandler = $handler;
    }

    /** The handler for rebalances (a static closure: it gets the owner as first argument). */
    public function setRebalanceHandler(callable $handler): void
    {
        $this->rebalanceHandler = $handler;
    }

    /** The callback named $name (dr_msg, error, log, stats, rebalance, offset_commit), if set. */
    public function callback(string $name): ?callable
    {
        return isset($this->callbacks[$name]) ? $this->callbacks[$name] : null;
    }

    /** setLogLevel(): drops log lines above $level (syslog levels 0..7). */
    public function setLogLevel(int $level): void
    {
        $this->logLevel = $level;
    }

    /**
     * setLogger(): where log lines go.
     *
     * @throws \RdKafka\Exception for an unknown value
     */
    public function setLogger(int $logger): void
    {
        if ($logger !== self::LOG_PRINT && $logger !== self::LOG_SYSLOG && $logger !== self::LOG_SYSLOG_PRINT) {
            throw new \RdKafka\Exception('Invalid logger');
        }
        $this->logger = $logger;
    }

    /**
     * Queues events from the library.
     *
     * @param Event[] $events
     * @param string  $context what the owner needs to handle them (the client they came from)
     */
    public function add(array $events, string $context = ''): void
    {
        foreach ($events as $event) {
            $this->pending->enqueue([$event, $context]);
        }
    }

    /**
     * Queues a packed batch of events from the library (dispatched from its cursor on).
     */
    public function addPacked(PackedEvents $events, string $context): void
    {
        if (!$events->done()) {
            $this->pending->enqueue([$events, $context]);
        }
    }

    /**
     * Queues an error the drop-in itself noticed (for example a failed commit when a partition
     * is stopped), for the error callback.
     */
    public function addError(int $err, string $reason): void
    {
        $this->pending->enqueue([null, '', 'error', $err, $reason]);
    }

    /**
     * Queues a commit result the library does not report itself (a synchronous commit), for
     * the offset commit callback, as librdkafka does.
     *
     * @param \RdKafka\TopicPartition[] $partitions
     */
    public function addCommit(int $err, array $partitions): void
    {
        if (isset($this->callbacks['offset_commit'])) {
            $this->pending->enqueue([null, '', 'commit', $err, $partitions]);
        }
    }

    /** Events waiting to be dispatched. */
    public function pendingCount(): int
    {
        return $this->pending->count();
    }

    /**
     * Dispatches every queued event, in order. Returns how many of them count as served events
     * for poll() (php-rdkafka's rd_kafka_poll() count): all but log lines, which only count when
     * they go to a log callback (as with php-rdkafka, where only then they pass through the
     * poll queue).
     *
     * @throws \Throwable what a callback threw; the events after it stay queued
     */
    public function dispatch(): int
    {
        $served = 0;
        while (!$this->pending->isEmpty()) {
            $entry = $this->pending->bottom();
            $event = $entry[0];
            if ($event instanceof PackedEvents) {
                // Left queued until done: a callback that throws leaves the rest of the batch.
                if ($event->done()) {
                    $this->pending->dequeue();
                } elseif ($event->kind() === Event::DELIVERY && $this->packedDeliveryHandler !== null) {
                    $handler = $this->packedDeliveryHandler;
                    $served += $handler($this->owner(), $event, $entry[1]);
                } else {
                    $one = $event->next();
                    $served += $this->isServed($one) ? 1 : 0;
                    $this->dispatchOne($one, $entry[1]);
                }
                continue;
            }
            $this->pending->dequeue();
            $served++;
            if ($event === null) {
                if ($entry[2] === 'error') {
                    $this->error((int) $entry[3], (string) $entry[4]);
                } else {
                    $cb = $this->callbacks['offset_commit'];
                    $cb($this->owner(), (int) $entry[3], $entry[4]);
                }
                continue;
            }
            if (!$this->isServed($event)) {
                $served--;
            }
            $this->dispatchOne($event, $entry[1]);
        }

        return $served;
    }

    /** Whether $event counts for poll()'s return value and ends its wait. */
    public function isServed(Event $event): bool
    {
        if ($event instanceof LogEvent) {
            return $this->logMode() === 0;
        }

        return true;
    }

    /**
     * Passes a log line on: to the log callback, to stderr in librdkafka's format or to syslog,
     * as set up; lines above the setLogLevel() level are dropped.
     */
    public function log(int $level, string $facility, string $message): void
    {
        if ($this->logLevel !== null && $level > $this->logLevel) {
            return;
        }
        $mode = $this->logMode();
        if ($mode === 0) {
            $cb = $this->callbacks['log'];
            $cb($this->owner(), $level, $facility, $message);

            return;
        }
        if ($mode === self::LOG_PRINT || $mode === self::LOG_SYSLOG_PRINT) {
            $now = microtime(true);
            $line = sprintf('%%%d|%d.%03d|%s|%s| %s' . "\n", $level, (int) $now, (int) (($now - floor($now)) * 1000), $facility, $this->name, $message);
            if (self::$stderr === null) {
                $stream = defined('STDERR') ? STDERR : fopen('php://stderr', 'wb');
                self::$stderr = is_resource($stream) ? $stream : null;
            }
            if (self::$stderr !== null) {
                fwrite(self::$stderr, $line);
            }
        }
        if ($mode === self::LOG_SYSLOG || $mode === self::LOG_SYSLOG_PRINT) {
            syslog(max(0, min(7, $level)), $facility . ': ' . $message);
        }
    }

    /** The client (alive while it dispatches: dispatching happens inside its methods). */
    private function owner(): object
    {
        $owner = $this->owner->get();
        if ($owner === null) {
            throw new \LogicException('the RdKafka client of this dispatcher is gone');
        }

        return $owner;
    }

    /** 0: the log callback; else a LOG_* mode. */
    private function logMode(): int
    {
        if ($this->logger !== null) {
            return $this->logger;
        }

        return isset($this->callbacks['log']) ? 0 : self::LOG_PRINT;
    }

    /** The error callback, or a log line at LOG_ERR without one (as librdkafka does). */
    private function error(int $err, string $reason): void
    {
        $cb = $this->callback('error');
        if ($cb !== null) {
            $cb($this->owner(), Errors::code($err), $reason);
        } else {
            $this->log(3, 'ERROR', $this->name . ': ' . Functions::err2str($err) . ': ' . $reason);
        }
    }

    private function dispatchOne(Event $event, string $context): void
    {
        if ($event instanceof DeliveryReport) {
            if ($this->deliveryHandler !== null) {
                $handler = $this->deliveryHandler;
                $handler($this->owner(), $event, $context);
            }

            return;
        }
        if ($event instanceof RebalanceEvent) {
            if ($this->rebalanceHandler !== null) {
                $handler = $this->rebalanceHandler;
                $handler($this->owner(), $event, $context);
            }

            return;
        }
        if ($event instanceof ErrorEvent) {
            $this->error($event->getErr(), $event->getMessage());

            return;
        }
        if ($event instanceof LogEvent) {
            $this->log($event->getLevel(), $event->getFacility(), $event->getMessage());

            return;
        }
        if ($event instanceof StatsEvent) {
            $cb = $this->callback('stats');
            if ($cb !== null) {
                $json = $event->getJson();
                $cb($this->owner(), $json, strlen($json));
            }

            return;
        }
        if ($event instanceof OAuthBearerRefreshEvent) {
            $cb = $this->callback('oauthbearer_token_refresh');
            if ($cb !== null) {
                $cb($this->owner(), $event->getConfig());
            }

            return;
        }
        if ($event instanceof CommitEvent) {
            $cb = $this->callback('offset_commit');
            if ($cb !== null) {
                $cb($this->owner(), $event->getErr(), Convert::fromBridgePartitions($event->getPartitions()));
            }

            return;
        }
        // An event kind this drop-in does not know: nothing to call.
    }
}
