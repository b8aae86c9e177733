package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"time"
)

// ProduceOptions are the optional parts of a produced message.
type ProduceOptions struct {
	// Partition is a partition number; PartitionAny (-1) lets the partitioner choose.
	// The zero value of ProduceOptions uses PartitionAny; set HasPartition to send to partition 0.
	Partition    int32
	HasPartition bool
	Headers      []Header
	// Timestamp of the message; the zero time means "now".
	Timestamp time.Time
}

// Partition returns options that send to partition p.
func Partition(p int32) ProduceOptions { return ProduceOptions{Partition: p, HasPartition: true} }

func (o *ProduceOptions) partition() C.int32_t {
	if o == nil || !o.HasPartition {
		return C.int32_t(PartitionAny)
	}
	return C.int32_t(o.Partition)
}

func (o *ProduceOptions) timestampMs() C.int64_t {
	if o == nil || o.Timestamp.IsZero() {
		return 0
	}
	return C.int64_t(o.Timestamp.UnixMilli())
}

func mergeOpts(opts []ProduceOptions) *ProduceOptions {
	if len(opts) == 0 {
		return nil
	}
	o := opts[0]
	for _, x := range opts[1:] {
		if x.HasPartition {
			o.Partition, o.HasPartition = x.Partition, true
		}
		o.Headers = append(o.Headers, x.Headers...)
		if !x.Timestamp.IsZero() {
			o.Timestamp = x.Timestamp
		}
	}
	return &o
}

// Delivery is the outcome of ProduceSync.
type Delivery struct {
	MessageID uint64
	Partition int32
	Offset    int64
	Timestamp time.Time
}

// ProducerInfo reports facts about a producer handle and its client.
type ProducerInfo struct {
	Persistent       bool
	Reused           bool // this handle attached to a client that already existed
	ClientID         uint64
	CreatorPID       uint32
	Age              time.Duration
	SessionsServed   uint64
	InFlight         int64
	QueuedEvents     uint64
	EventsDropped    uint64
	OrphansDelivered uint64
	OrphansFailed    uint64
}

// Producer produces messages. With "bridge.persistent.name" set, it is a
// session on a process-wide client that outlives Close. Safe for concurrent use.
type Producer struct {
	mu   sync.RWMutex
	h    *C.kb_producer
	poll *poller // non-nil once Deliveries was called
}

// NewProducer opens a producer (cfg nil means defaults). It does not block.
func NewProducer(cfg *Config) (*Producer, error) {
	var h *C.kb_producer
	err := cfg.with(func(c *C.kb_config) error {
		return call(func() C.kb_err { return C.kb_producer_new(c, &h) })
	})
	if err != nil {
		return nil, err
	}
	p := &Producer{h: h}
	setFinalizer(p, "producer", (*Producer).Close)
	return p, nil
}

// use runs f with the handle. The lock is not held during the call, so Close
// never waits for a blocking call; the library turns a handle freed meanwhile
// into ErrInvalidHandle rather than undefined behaviour.
func (p *Producer) use(f func(h *C.kb_producer) error) error {
	p.mu.RLock()
	h := p.h
	p.mu.RUnlock()
	if h == nil {
		return closedError("producer")
	}
	defer runtime.KeepAlive(p) // the finalizer must not free h during f
	return f(h)
}

// Produce enqueues one message without waiting and returns its id; the
// delivery report (an EventDelivery with that id) arrives via PollEvents.
// A nil key/value is absent (a nil value is a tombstone); empty is empty.
func (p *Producer) Produce(topic string, value, key []byte, opts ...ProduceOptions) (uint64, error) {
	o := mergeOpts(opts)
	var id C.uint64_t
	err := p.use(func(h *C.kb_producer) error {
		var a arena
		defer a.free()
		t := a.str(topic)
		kp, kl := a.bytes(key)
		vp, vl := a.bytes(value)
		var hp *C.kb_header
		var hn C.size_t
		if o != nil {
			hp, hn = a.headers(o.Headers)
		}
		return call(func() C.kb_err {
			return C.kb_producer_produce(h, t, o.partition(), kp, kl, vp, vl, hp, hn, o.timestampMs(), &id)
		})
	})
	return uint64(id), err
}

// ProduceSync produces one message and waits for its own delivery report,
// bounded by ctx's deadline. If ctx is cancelled or its deadline passes first,
// it returns ctx.Err(); the message may still be delivered and its report then
// arrives via PollEvents.
func (p *Producer) ProduceSync(ctx context.Context, topic string, value, key []byte, opts ...ProduceOptions) (Delivery, error) {
	if err := ctx.Err(); err != nil {
		return Delivery{}, err
	}
	o := mergeOpts(opts)
	_, hasDeadline := ctx.Deadline()
	timeout := ctxTimeout(ctx, time.Duration(math.MaxInt32)*time.Millisecond)
	if timeout <= 0 {
		return Delivery{}, context.DeadlineExceeded
	}
	type result struct {
		d   Delivery
		err error
	}
	done := make(chan result, 1)
	go func() {
		var out C.kb_delivery
		err := p.use(func(h *C.kb_producer) error {
			var a arena
			defer a.free()
			t := a.str(topic)
			kp, kl := a.bytes(key)
			vp, vl := a.bytes(value)
			var hp *C.kb_header
			var hn C.size_t
			if o != nil {
				hp, hn = a.headers(o.Headers)
			}
			return call(func() C.kb_err {
				return C.kb_producer_produce_sync(h, t, o.partition(), kp, kl, vp, vl, hp, hn,
					o.timestampMs(), durationMs(timeout), &out)
			})
		})
		d := Delivery{MessageID: uint64(out.message_id), Partition: int32(out.partition), Offset: int64(out.offset)}
		if out.timestamp_ms > 0 {
			d.Timestamp = time.UnixMilli(int64(out.timestamp_ms))
		}
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			if errors.Is(r.err, ErrTimedOut) && (ctx.Err() != nil || hasDeadline) {
				// The C timeout was ctx's deadline; the library's clock may
				// fire a moment before the context's timer does.
				if err := ctx.Err(); err != nil {
					return Delivery{}, err
				}
				return Delivery{}, context.DeadlineExceeded
			}
			return Delivery{}, r.err
		}
		return r.d, nil
	case <-ctx.Done():
		return Delivery{}, ctx.Err()
	}
}

// PollEvents waits up to timeout for a first event, then returns up to max
// ready events (possibly none) with one call into the library. It returns
// ErrInvalidState once Deliveries has been called (the two are exclusive).
func (p *Producer) PollEvents(timeout time.Duration, max int) ([]Event, error) {
	p.mu.RLock()
	h, pl := p.h, p.poll
	p.mu.RUnlock()
	if h == nil {
		return nil, closedError("producer")
	}
	if pl != nil {
		return nil, newError(-1007, "delivery reports go to the Deliveries channel; PollEvents is disabled")
	}
	return pollProducer(h, timeout, max)
}

func pollProducer(h *C.kb_producer, timeout time.Duration, max int) ([]Event, error) {
	if max <= 0 {
		max = 1
	}
	var b *C.kb_event_batch
	if err := call(func() C.kb_err { return C.kb_producer_poll_batch(h, durationMs(timeout), C.size_t(max), &b) }); err != nil {
		return nil, err
	}
	defer C.kb_event_batch_free(b)
	return eventsFromBatch(b)
}

// Poll is PollEvents with the wait bounded by ctx (in slices, so cancellation is
// noticed); it returns as soon as some events are ready.
func (p *Producer) Poll(ctx context.Context, max int) ([]Event, error) {
	var evs []Event
	err := sliced(ctx, func(t time.Duration) (bool, error) {
		var err error
		evs, err = p.PollEvents(t, max)
		return len(evs) > 0, err
	})
	if len(evs) > 0 {
		return evs, nil
	}
	return nil, err
}

// Flush waits until every message of the client is delivered or failed, bounded
// by ctx; the reports are then waiting in PollEvents.
func (p *Producer) Flush(ctx context.Context) error {
	return sliced(ctx, func(t time.Duration) (bool, error) {
		err := p.use(func(h *C.kb_producer) error {
			return call(func() C.kb_err { return C.kb_producer_flush(h, durationMs(t)) })
		})
		if errors.Is(err, ErrTimedOut) {
			return false, nil
		}
		return err == nil, err
	})
}

// Purge drops queued (KB_PURGE_QUEUE=1) and/or in-flight (2) messages; 4 = non-blocking.
func (p *Producer) Purge(flags int) error {
	return p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_purge(h, C.int32_t(flags)) })
	})
}

// Len returns messages held by the client plus events waiting in this handle.
func (p *Producer) Len() (int64, error) {
	var n C.int64_t
	err := p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_queue_len(h, &n) })
	})
	return int64(n), err
}

// Info reports facts about the handle and its client (reuse, sessions, queues).
func (p *Producer) Info() (ProducerInfo, error) {
	var i C.kb_producer_info
	err := p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_get_info(h, &i) })
	})
	if err != nil {
		return ProducerInfo{}, err
	}
	return ProducerInfo{
		Persistent:       i.persistent != 0,
		Reused:           i.reused != 0,
		ClientID:         uint64(i.client_id),
		CreatorPID:       uint32(i.creator_pid),
		Age:              time.Duration(i.age_ms) * time.Millisecond,
		SessionsServed:   uint64(i.sessions_served),
		InFlight:         int64(i.in_flight),
		QueuedEvents:     uint64(i.queued_events),
		EventsDropped:    uint64(i.events_dropped),
		OrphansDelivered: uint64(i.orphans_delivered),
		OrphansFailed:    uint64(i.orphans_failed),
	}, nil
}

// Close frees the handle. A private client is flushed for up to
// bridge.close.timeout.ms (ErrTimedOut if messages were left undelivered);
// a persistent client stays connected. Closing twice is a no-op.
func (p *Producer) Close() error {
	runtime.SetFinalizer(p, nil)
	p.mu.Lock()
	pl := p.poll
	p.mu.Unlock()
	if pl != nil {
		pl.shutdown() // without the lock: the poller's current call ends within 100 ms
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.h
	p.h = nil
	if h == nil {
		return nil
	}
	return call(func() C.kb_err { return C.kb_producer_free(h) })
}
