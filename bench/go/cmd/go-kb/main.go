// Command go-kb is the benchmark program of kafkabridge's Go binding (impl "go"); it follows
// the contract of bench/README.md. Delivery reports come from the binding's Deliveries
// channel (one poller goroutine per producer, one library call per batch of reports).
// --mode=batch produces with ProduceBatch, --batch records per call.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/kafkabridge/kafkabridge-bench/internal/bench"
	kb "github.com/kafkabridge/kafkabridge-go"
)

const impl = "go"

// pollWait bounds one consumer poll; the idle limits of package bench decide when to give up.
const pollWait = 100 * time.Millisecond

func main() {
	a := bench.Parse(impl, os.Args[1:])
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
	r.Client = "kafkabridge-go " + kb.Version()
	r.Librdkafka = kb.LibrdkafkaVersion()
	r.Print()
}

func fail(format string, args ...any) { bench.Fail(impl, format, args...) }

// queueLimits are the producer queue settings every produce-side op uses.
func queueLimits(props map[string]string) map[string]string {
	props["queue.buffering.max.messages"] = "1000000"
	props["queue.buffering.max.kbytes"] = "1048576"
	props["bridge.event.queue.size"] = "2000000"
	return props
}

func newProducer(props map[string]string) *kb.Producer {
	cfg, err := kb.NewConfig(props)
	if err != nil {
		fail("producer config: %v", err)
	}
	defer cfg.Close()
	p, err := kb.NewProducer(cfg)
	if err != nil {
		fail("new producer: %v", err)
	}
	return p
}

func closeProducer(p *kb.Producer) {
	if err := p.Close(); err != nil {
		fail("closing the producer: %v", err)
	}
}

// flush waits until every message is delivered or failed; the reports then wait in the channel.
func flush(p *kb.Producer) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		fail("flush: %v", err)
	}
}

// reports reads the Deliveries channel and counts the messages still waiting for theirs.
type reports struct {
	ch      <-chan kb.DeliveryReport
	pending int
}

func (r *reports) check(d kb.DeliveryReport, ok bool) {
	if !ok {
		fail("the delivery report channel closed with %d reports missing", r.pending)
	}
	if d.Err != nil {
		fail("delivery of message %d failed: %v", d.MessageID, d.Err)
	}
	if r.pending == 0 {
		fail("delivery report for message %d that was not produced", d.MessageID)
	}
	r.pending--
}

// drainReady takes the reports already in the channel without waiting, so the
// poller goroutine never stalls on a full channel while we produce.
func (r *reports) drainReady() {
	for {
		select {
		case d, ok := <-r.ch:
			r.check(d, ok)
		default:
			return
		}
	}
}

func (r *reports) waitOne() {
	d, ok := <-r.ch
	r.check(d, ok)
}

func (r *reports) waitAll() {
	for r.pending > 0 {
		r.waitOne()
	}
}

// send produces one message; while a queue is full (librdkafka's -184 or the
// bridge's event queue) it serves a delivery report and retries the same message.
func send(p *kb.Producer, r *reports, topic string, value []byte) {
	for {
		_, err := p.Produce(topic, value, nil)
		if err == nil {
			r.pending++
			return
		}
		if !errors.Is(err, kb.ErrQueueFull) && !errors.Is(err, kb.ErrEventQueueFull) {
			fail("produce: %v", err)
		}
		if r.pending == 0 {
			fail("produce: %v with no message in flight", err)
		}
		r.waitOne()
	}
}

// sendBatch produces recs with ProduceBatch; on partial acceptance because a queue is
// full it serves a delivery report and retries the records not yet accepted.
func sendBatch(p *kb.Producer, r *reports, recs []kb.Record) {
	for len(recs) > 0 {
		ids, err := p.ProduceBatch(recs)
		r.pending += len(ids)
		recs = recs[len(ids):]
		if err == nil {
			return
		}
		if !errors.Is(err, kb.ErrQueueFull) && !errors.Is(err, kb.ErrEventQueueFull) {
			fail("produce batch: %v", err)
		}
		if r.pending == 0 {
			fail("produce batch: %v with no message in flight", err)
		}
		r.waitOne()
	}
}

// sender sends messages of value to topic, one call per message or --batch per call.
type sender struct {
	p     *kb.Producer
	r     *reports
	topic string
	value []byte
	recs  []kb.Record // --mode=batch: --batch records of value, reused by every call
}

func newSender(a bench.Args, p *kb.Producer, r *reports) *sender {
	s := &sender{p: p, r: r, topic: a.Topic, value: bench.Value(a.Size)}
	if a.IsBatch() {
		s.recs = make([]kb.Record, a.Batch)
		for i := range s.recs {
			s.recs[i] = kb.Record{Topic: a.Topic, Value: s.value}
		}
	}
	return s
}

// send produces n messages; between calls it takes the reports already waiting when
// drain is set, so the poller goroutine never stalls on a full channel.
func (s *sender) send(n int, drain bool) {
	if s.recs == nil {
		for i := 0; i < n; i++ {
			send(s.p, s.r, s.topic, s.value)
			if drain {
				s.r.drainReady()
			}
		}
		return
	}
	for n > 0 {
		k := min(n, len(s.recs))
		sendBatch(s.p, s.r, s.recs[:k])
		n -= k
		if drain {
			s.r.drainReady()
		}
	}
}

func produce(a bench.Args) bench.Result {
	p := newProducer(queueLimits(map[string]string{
		"bootstrap.servers": a.Brokers,
		"acks":              "all",
		"linger.ms":         "5",
		"compression.type":  "none",
	}))
	r := &reports{ch: p.Deliveries()}
	s := newSender(a, p, r)

	send(p, r, a.Topic, s.value) // warm-up: connection, metadata, topic
	flush(p)
	r.waitAll()

	start := time.Now()
	s.send(a.Messages, true)
	r.waitAll()
	elapsed := time.Since(start)

	closeProducer(p)
	return bench.NewResult(impl, a, elapsed)
}

// crossing times only the produce calls, against the in-process mock cluster.
func crossing(a bench.Args) bench.Result {
	p := newProducer(queueLimits(map[string]string{
		"test.mock.num.brokers": "1",
		"linger.ms":             "100",
	}))
	r := &reports{ch: p.Deliveries()}
	s := newSender(a, p, r)

	send(p, r, a.Topic, s.value) // warm-up, as for produce
	flush(p)
	r.waitAll()

	var timed time.Duration
	for done := 0; done < a.Messages; {
		n := min(bench.Chunk, a.Messages-done)
		start := time.Now()
		s.send(n, false)
		timed += time.Since(start)
		flush(p)
		r.waitAll()
		done += n
	}

	closeProducer(p)
	return bench.NewResult(impl, a, timed)
}

// syncProduce times ProduceSync, which returns once the message's own report is in.
func syncProduce(a bench.Args) bench.Result {
	if a.IsBatch() {
		fail("sync --mode=batch: sync sends one message per call; use --mode=single")
	}
	p := newProducer(map[string]string{
		"bootstrap.servers":       a.Brokers,
		"acks":                    "all",
		"linger.ms":               "0",
		"bridge.event.queue.size": "2000000",
	})
	value := bench.Value(a.Size)
	ctx := context.Background()
	one := func(i int) {
		if _, err := p.ProduceSync(ctx, a.Topic, value, nil); err != nil {
			fail("sync produce %d: %v", i, err)
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
	closeProducer(p)
	res := bench.NewResult(impl, a, total)
	res.SetLatencies(lat)
	return res
}

func consume(a bench.Args) bench.Result {
	cfg, err := kb.NewConfig(map[string]string{
		"bootstrap.servers":      a.Brokers,
		"group.id":               bench.GroupID(impl),
		"auto.offset.reset":      "earliest",
		"enable.auto.commit":     "false",
		"fetch.queue.backoff.ms": "10",
	})
	if err != nil {
		fail("consumer config: %v", err)
	}
	c, err := kb.NewConsumer(cfg)
	cfg.Close()
	if err != nil {
		fail("new consumer: %v", err)
	}
	if err := c.Subscribe(a.Topic); err != nil {
		fail("subscribe %s: %v", a.Topic, err)
	}

	var (
		got      int
		sum      int64
		start    time.Time
		idle     = bench.NewIdle(impl)
		msgCheck = func(m *kb.Message) {
			if m.Err != nil {
				fail("consumed message %d: %v", got, m.Err)
			}
			sum += int64(len(m.Value))
		}
	)
	for got < a.Messages {
		if a.IsBatch() {
			msgs, err := c.PollBatch(pollWait, min(a.Batch, a.Messages-got))
			if err != nil {
				fail("poll batch: %v", err)
			}
			if len(msgs) == 0 {
				idle.Check(got)
				continue
			}
			if got == 0 {
				start = time.Now()
			}
			for i := range msgs {
				msgCheck(&msgs[i])
			}
			got += len(msgs)
		} else {
			m, err := c.PollMessage(pollWait)
			if err != nil {
				fail("poll: %v", err)
			}
			if m == nil {
				idle.Check(got)
				continue
			}
			if got == 0 {
				start = time.Now()
			}
			msgCheck(m)
			got++
		}
	}
	elapsed := time.Since(start)

	if err := c.Close(); err != nil {
		fail("closing the consumer: %v", err)
	}
	bench.ValueSum(impl, a, sum)
	return bench.NewResult(impl, a, elapsed)
}
