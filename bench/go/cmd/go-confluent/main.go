// Command go-confluent is the benchmark program of confluent-kafka-go/v2 (impl "go-confluent",
// librdkafka statically linked from the module); it follows the contract of bench/README.md.
//
// Neither --mode=batch is offered. The client has no batch produce call: its deprecated
// ProduceChannel is one channel send per message served by a goroutine calling the same
// produce path, with no say over the batch size (and its go.batch.producer variant does not
// report per-message enqueue failures, so a run could lose messages unnoticed). It has no
// batch poll either.
package main

import (
	"errors"
	"os"
	"runtime/debug"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/kafkabridge/kafkabridge-bench/internal/bench"
)

const impl = "go-confluent"

// pollWait bounds one consumer poll; the idle limits of package bench decide when to give up.
const pollWait = 100 * time.Millisecond

// flushTimeoutMs bounds the untimed flushes.
const flushTimeoutMs = 60000

func main() {
	a := bench.Parse(impl, os.Args[1:])
	if a.IsBatch() {
		what := "produce"
		if a.Op == "consume" {
			what = "poll"
		}
		fail("%s --mode=batch: confluent-kafka-go has no batch %s call; use --mode=single", a.Op, what)
	}
	var r bench.Result
	switch a.Op {
	case "produce":
		r = produce(a)
	case "consume":
		r = consume(a)
	case "crossing":
		r = crossing(a)
	case "sync":
		r = syncProduce(a)
	}
	r.Client = "confluent-kafka-go " + moduleVersion()
	_, r.Librdkafka = kafka.LibraryVersion()
	r.Print()
}

func fail(format string, args ...any) { bench.Fail(impl, format, args...) }

func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/confluentinc/confluent-kafka-go/v2" {
				return m.Version
			}
		}
	}
	return "unknown"
}

// queueLimits are the producer queue settings every produce-side op uses.
func queueLimits(cm kafka.ConfigMap) *kafka.ConfigMap {
	cm["queue.buffering.max.messages"] = 1000000
	cm["queue.buffering.max.kbytes"] = 1048576
	return &cm
}

func newProducer(cm *kafka.ConfigMap) *kafka.Producer {
	p, err := kafka.NewProducer(cm)
	if err != nil {
		fail("new producer: %v", err)
	}
	return p
}

// reports reads the producer's Events() channel (fed by the client's poller
// goroutine) and counts the messages still waiting for their delivery report.
type reports struct {
	ch      chan kafka.Event
	pending int
}

// take handles one event: a delivery report (a *kafka.Message) or a client error.
func (r *reports) take(ev kafka.Event, ok bool) {
	if !ok {
		fail("the events channel closed with %d reports missing", r.pending)
	}
	switch e := ev.(type) {
	case *kafka.Message:
		if e.TopicPartition.Error != nil {
			fail("delivery to %v failed: %v", e.TopicPartition, e.TopicPartition.Error)
		}
		if r.pending == 0 {
			fail("delivery report for a message that was not produced: %v", e.TopicPartition)
		}
		r.pending--
	case kafka.Error:
		// librdkafka retries transient errors (e.g. a dropped connection) itself;
		// a failed message still shows up as a failed delivery report above.
		if e.IsFatal() {
			fail("producer error: %v", e)
		}
		bench.Warn(impl, "producer error: %v", e)
	}
}

func (r *reports) drainReady() {
	for {
		select {
		case ev, ok := <-r.ch:
			r.take(ev, ok)
		default:
			return
		}
	}
}

func (r *reports) waitOne() {
	ev, ok := <-r.ch
	r.take(ev, ok)
}

func (r *reports) waitAll() {
	for r.pending > 0 {
		r.waitOne()
	}
}

// flushAndDrain flushes and takes every outstanding report. Flush counts the
// undrained Events() channel as outstanding, so the channel is drained (error
// events included) for as long as a goroutine flushes.
func (r *reports) flushAndDrain(p *kafka.Producer) {
	left := make(chan int, 1)
	go func() { left <- p.Flush(flushTimeoutMs) }()
	for {
		select {
		case n := <-left:
			if n != 0 {
				fail("flush: %d messages or events left after %d ms", n, flushTimeoutMs)
			}
			// Reports the poller goroutine took off librdkafka's queue but had
			// not yet put in the channel are not counted by Flush: wait for them.
			r.waitAll()
			return
		case ev, ok := <-r.ch:
			r.take(ev, ok)
		}
	}
}

// send produces one message; while librdkafka's queue is full it serves a
// delivery report and retries the same message. msg is reused: Produce copies
// the value and keeps no reference when no delivery channel is given.
func send(p *kafka.Producer, r *reports, msg *kafka.Message) {
	for {
		err := p.Produce(msg, nil)
		if err == nil {
			r.pending++
			return
		}
		var kerr kafka.Error
		if !errors.As(err, &kerr) || kerr.Code() != kafka.ErrQueueFull {
			fail("produce: %v", err)
		}
		if r.pending == 0 {
			fail("produce: %v with no message in flight", err)
		}
		r.waitOne()
	}
}

func message(a bench.Args) *kafka.Message {
	return &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &a.Topic, Partition: kafka.PartitionAny},
		Value:          bench.Value(a.Size),
	}
}

func produce(a bench.Args) bench.Result {
	p := newProducer(queueLimits(kafka.ConfigMap{
		"bootstrap.servers": a.Brokers,
		"acks":              "all",
		"linger.ms":         5,
		"compression.type":  "none",
	}))
	r := &reports{ch: p.Events()}
	msg := message(a)

	send(p, r, msg) // warm-up: connection, metadata, topic
	r.flushAndDrain(p)

	start := time.Now()
	for i := 0; i < a.Messages; i++ {
		send(p, r, msg)
		r.drainReady()
	}
	r.waitAll()
	elapsed := time.Since(start)

	p.Close()
	return bench.NewResult(impl, a, elapsed)
}

// crossing times only the produce calls, against the in-process mock cluster.
func crossing(a bench.Args) bench.Result {
	p := newProducer(queueLimits(kafka.ConfigMap{
		"test.mock.num.brokers": 1,
		"linger.ms":             100,
	}))
	r := &reports{ch: p.Events()}
	msg := message(a)

	send(p, r, msg) // warm-up, as for produce
	r.flushAndDrain(p)

	var timed time.Duration
	for done := 0; done < a.Messages; {
		n := min(bench.Chunk, a.Messages-done)
		start := time.Now()
		for i := 0; i < n; i++ {
			send(p, r, msg)
		}
		timed += time.Since(start)
		r.flushAndDrain(p)
		done += n
	}

	p.Close()
	return bench.NewResult(impl, a, timed)
}

// syncProduce waits for each message's report on a delivery channel of its own,
// the client's way to produce synchronously.
func syncProduce(a bench.Args) bench.Result {
	p := newProducer(&kafka.ConfigMap{
		"bootstrap.servers": a.Brokers,
		"acks":              "all",
		"linger.ms":         0,
	})
	msg := message(a)
	dr := make(chan kafka.Event, 1)
	one := func(i int) {
		if err := p.Produce(msg, dr); err != nil {
			fail("sync produce %d: %v", i, err)
		}
		m, ok := (<-dr).(*kafka.Message)
		if !ok {
			fail("sync produce %d: the delivery channel carried no message", i)
		}
		if m.TopicPartition.Error != nil {
			fail("sync produce %d: %v", i, m.TopicPartition.Error)
		}
	}
	for i := 0; i < bench.SyncWarmup; i++ {
		one(i)
	}
	lat := make([]time.Duration, a.Messages)
	var total time.Duration
	for i := range lat {
		start := time.Now()
		one(i)
		lat[i] = time.Since(start)
		total += lat[i]
	}
	p.Close()
	res := bench.NewResult(impl, a, total)
	res.SetLatencies(lat)
	return res
}

func consume(a bench.Args) bench.Result {
	c, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers":      a.Brokers,
		"group.id":               bench.GroupID(impl),
		"auto.offset.reset":      "earliest",
		"enable.auto.commit":     false,
		"fetch.queue.backoff.ms": 10,
	})
	if err != nil {
		fail("new consumer: %v", err)
	}
	if err := c.Subscribe(a.Topic, nil); err != nil {
		fail("subscribe %s: %v", a.Topic, err)
	}

	var (
		got   int
		sum   int64
		start time.Time
		idle  = bench.NewIdle(impl)
	)
	for got < a.Messages {
		m, err := c.ReadMessage(pollWait)
		if err != nil {
			var kerr kafka.Error
			switch {
			case m != nil:
				fail("consumed message %d: %v", got, err)
			case errors.As(err, &kerr) && kerr.IsTimeout():
				idle.Check(got)
				continue
			case errors.As(err, &kerr) && (kerr.Code() == kafka.ErrUnknownTopicOrPart || kerr.Code() == kafka.ErrUnknownTopic):
				fail("poll: %v", err) // nothing to read: fail now rather than after the idle limit
			case errors.As(err, &kerr) && !kerr.IsFatal():
				// A client error not tied to a message: librdkafka recovers by itself.
				bench.Warn(impl, "consumer error: %v", err)
				idle.Check(got)
				continue
			default:
				fail("poll: %v", err)
			}
		}
		if got == 0 {
			start = time.Now()
		}
		sum += int64(len(m.Value))
		got++
	}
	elapsed := time.Since(start)

	if err := c.Close(); err != nil {
		fail("closing the consumer: %v", err)
	}
	bench.ValueSum(impl, a, sum)
	return bench.NewResult(impl, a, elapsed)
}
