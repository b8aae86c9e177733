package kafkabridge

/*
#include <stdlib.h>
#include <kafkabridge.h>

// The outcome of a produce call. On failure msg holds kb_last_error() in malloc'd memory
// (the caller frees it) and flags kb_last_error_flags(): both are read in the same cgo call
// as the failure, on the thread that failed, so the hot path needs no runtime.LockOSThread.
typedef struct {
	kb_err rc;
	uint32_t flags;
	uint64_t id;
	size_t accepted;
	char *msg;
} kbg_result;

static void kbg_fail(kbg_result *r, kb_err rc) {
	size_t n = kb_last_error(NULL, 0);
	r->rc = rc;
	r->flags = kb_last_error_flags();
	r->msg = malloc(n + 1);
	if (r->msg != NULL) {
		kb_last_error(r->msg, n + 1);
	}
}

static kbg_result kbg_produce(kb_producer *p, const char *topic, int32_t partition,
                              const uint8_t *key, size_t key_len, const uint8_t *value,
                              size_t value_len, const kb_header *headers, size_t header_count,
                              int64_t timestamp_ms) {
	kbg_result r = {0};
	kb_err rc = kb_producer_produce(p, topic, partition, key, key_len, value, value_len,
	                                headers, header_count, timestamp_ms, &r.id);
	if (rc != 0) {
		kbg_fail(&r, rc);
	}
	return r;
}

static kbg_result kbg_produce_batch(kb_producer *p, const kb_record *records, size_t count,
                                    uint64_t *ids) {
	kbg_result r = {0};
	kb_err rc = kb_producer_produce_batch(p, records, count, ids, &r.accepted);
	if (rc != 0) {
		kbg_fail(&r, rc);
	}
	return r;
}
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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

func (o ProduceOptions) partition() C.int32_t {
	if !o.HasPartition {
		return C.int32_t(PartitionAny)
	}
	return C.int32_t(o.Partition)
}

func (o ProduceOptions) timestampMs() C.int64_t {
	if o.Timestamp.IsZero() {
		return 0
	}
	return C.int64_t(o.Timestamp.UnixMilli())
}

// mergeOpts folds the options of one call into one value (the zero value if none).
func mergeOpts(opts []ProduceOptions) ProduceOptions {
	if len(opts) == 0 {
		return ProduceOptions{}
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
	return o
}

// resultError turns a kbg_result into an error and frees its message.
func resultError(r *C.kbg_result) error {
	if r.rc == 0 {
		return nil
	}
	msg := ""
	if r.msg != nil {
		msg = C.GoString(r.msg)
		C.free(unsafe.Pointer(r.msg))
		r.msg = nil
	}
	return newCallError(int32(r.rc), msg, uint32(r.flags))
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
	// The spool (bridge.spool.dir; all 0 without one): messages written to it
	// (each reported KB_ERR_SPOOLED), messages it could not take (reported
	// failed), messages re-sent from it and delivered, and re-sent messages
	// Kafka refused for good (dropped from the spool and logged).
	Spooled       uint64
	SpoolRefused  uint64
	SpoolReplayed uint64
	SpoolDropped  uint64
}

// Producer produces messages. With "bridge.persistent.name" set, it is a
// session on a process-wide client that outlives Close. Safe for concurrent use.
type Producer struct {
	// mu guards h. Produce and ProduceBatch hold its read lock for their (non-blocking)
	// C call, so Close, which takes the write lock, never frees topics under them.
	mu     sync.RWMutex
	h      *C.kb_producer
	poll   *poller // non-nil once Deliveries was called
	topics topicCache
}

// maxCachedTopics bounds a producer's topic cache; further topics are copied per call.
// A variable so that tests can reach the bound.
var maxCachedTopics = 1024

// topicCache keeps the C copy of each topic name a producer sends to, so that a produce
// call allocates nothing for its topic. Lookups take no lock: the map is replaced, never
// changed, when a topic is added. The strings live until the producer's Close.
type topicCache struct {
	mu sync.Mutex // serialises additions
	m  atomic.Pointer[map[string]*C.char]
}

// get returns the C string for name, or nil when the cache is full and name is not in it.
func (c *topicCache) get(name string) *C.char {
	if m := c.m.Load(); m != nil {
		if s, ok := (*m)[name]; ok {
			return s
		}
	}
	return c.add(name)
}

func (c *topicCache) add(name string) *C.char {
	if strings.IndexByte(name, 0) >= 0 {
		return nil // C.CString would cut it short: the caller's arena refuses it
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[string]*C.char
	if m := c.m.Load(); m != nil {
		old = *m
	}
	if s, ok := old[name]; ok {
		return s
	}
	if len(old) >= maxCachedTopics {
		return nil
	}
	m := make(map[string]*C.char, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	s := C.CString(name)
	m[name] = s
	c.m.Store(&m)
	return s
}

// free releases the strings; no call may be using them (Close holds the write lock).
func (c *topicCache) free() {
	if m := c.m.Swap(nil); m != nil {
		for _, s := range *m {
			C.free(unsafe.Pointer(s))
		}
	}
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
// On a full queue it returns an error matching ErrQueueFull (librdkafka's queue)
// or ErrEventQueueFull (undrained reports): take delivery reports, then retry.
// key and value are read during the call only; the library keeps its own copy.
func (p *Producer) Produce(topic string, value, key []byte, opts ...ProduceOptions) (uint64, error) {
	o := mergeOpts(opts)
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.h == nil {
		return 0, closedError("producer")
	}
	var a arena
	defer a.free()
	t := p.topics.get(topic)
	if t == nil {
		t = a.str("topic", topic)
	}
	hp, hn := a.headers(o.Headers)
	kp, kl := goData(key)
	vp, vl := goData(value)
	if a.err != nil { // a NUL byte in the topic or a header name
		return 0, a.err
	}
	r := C.kbg_produce(p.h, t, o.partition(), kp, kl, vp, vl, hp, hn, o.timestampMs())
	return uint64(r.id), resultError(&r)
}

// Record is one message of ProduceBatch: the arguments of one Produce call. The
// embedded ProduceOptions (partition, headers, timestamp) are optional; the zero value
// lets the partitioner choose.
type Record struct {
	Topic string
	Value []byte // nil is absent (a tombstone), []byte{} is empty
	Key   []byte // nil is absent
	ProduceOptions
}

// pinMin is the size from which ProduceBatch pins a key or value in place for the call
// instead of copying it to C memory: one pin costs about as much as copying a few
// hundred bytes, and pinning bounds the batch's C memory for large messages.
const pinMin = 4096

// ProduceBatch enqueues records in order with one library call, without waiting, and
// returns the ids of the records it enqueued: ids[i] is the id of records[i], and its
// delivery report arrives as for Produce. It stops at the first record that fails: then
// err is the error of records[len(ids)] and no later record was tried. On a full queue
// (errors.Is(err, ErrQueueFull) or errors.Is(err, ErrEventQueueFull)) take delivery
// reports, then call again with records[len(ids):]. An empty batch enqueues nothing.
//
// Keys, values and headers are read during the call only: small ones are copied into
// one C buffer for the call, large ones are pinned in place; the library keeps its own
// copy of every message.
func (p *Producer) ProduceBatch(records []Record) (ids []uint64, err error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.h == nil {
		return nil, closedError("producer")
	}
	if len(records) == 0 {
		return nil, nil
	}
	// Records before the first refused one are produced, as if the library had refused it.
	n, refused := firstRefusedRecord(records)
	if n == 0 {
		return nil, refused
	}
	records = records[:n]
	var a arena
	defer a.free()
	var pin runtime.Pinner
	defer pin.Unpin()
	recs := p.cRecords(&a, &pin, records)
	ids = make([]uint64, len(records))
	r := C.kbg_produce_batch(p.h, recs, C.size_t(len(records)), (*C.uint64_t)(unsafe.Pointer(&ids[0])))
	if err := resultError(&r); err != nil {
		return ids[:int(r.accepted)], err
	}
	return ids, refused
}

// firstRefusedRecord returns the index and the error of the first record whose topic or a
// header name holds a NUL byte (see invalidCString), or len(records) and nil.
func firstRefusedRecord(records []Record) (int, error) {
	for i := range records {
		r := &records[i]
		if err := invalidCString("topic", r.Topic); err != nil {
			return i, err
		}
		for _, h := range r.Headers {
			if err := invalidCString("header name", h.Name); err != nil {
				return i, err
			}
		}
	}
	return len(records), nil
}

// cRecords lays records out for kb_producer_produce_batch in one C block: the kb_record
// array, then the header arrays, then the copied bytes. Go memory may be referenced
// from C memory only while pinned, hence pin for the large keys and values.
func (p *Producer) cRecords(a *arena, pin *runtime.Pinner, records []Record) *C.kb_record {
	recSize := int(unsafe.Sizeof(C.kb_record{}))
	hdrSize := int(unsafe.Sizeof(C.kb_header{}))
	nh, nb := 0, 0
	for i := range records {
		r := &records[i]
		nb += copiedLen(r.Key) + copiedLen(r.Value)
		nh += len(r.Headers)
		for _, h := range r.Headers {
			nb += len(h.Name) + 1 + copiedLen(h.Value)
		}
	}
	block := a.alloc(len(records)*recSize + nh*hdrSize + nb)
	recs := unsafe.Slice((*C.kb_record)(block), len(records))
	hdrs := unsafe.Slice((*C.kb_header)(unsafe.Add(block, len(records)*recSize)), nh)
	w := blockWriter{buf: unsafe.Slice((*byte)(unsafe.Add(block, len(records)*recSize+nh*hdrSize)), nb), pin: pin}

	var topic string
	var ctopic *C.char
	for i := range records {
		r := &records[i]
		if ctopic == nil || r.Topic != topic {
			topic, ctopic = r.Topic, p.topics.get(r.Topic)
			if ctopic == nil {
				ctopic = a.str("topic", r.Topic)
			}
		}
		var hp *C.kb_header
		if len(r.Headers) > 0 {
			hs := hdrs[:len(r.Headers)]
			hdrs = hdrs[len(r.Headers):]
			for j, h := range r.Headers {
				hs[j] = C.kb_header{name: w.str(h.Name)}
				hs[j].value, hs[j].value_len = w.data(h.Value)
			}
			hp = &hs[0]
		}
		recs[i] = C.kb_record{
			topic:        ctopic,
			partition:    r.partition(),
			headers:      hp,
			header_count: C.size_t(len(r.Headers)),
			timestamp_ms: r.timestampMs(),
		}
		recs[i].key, recs[i].key_len = w.data(r.Key)
		recs[i].value, recs[i].value_len = w.data(r.Value)
	}
	return &recs[0]
}

// copiedLen is how many bytes blockWriter.data copies for b.
func copiedLen(b []byte) int {
	if len(b) >= pinMin {
		return 0
	}
	return len(b)
}

// blockWriter fills the byte area of a C block sized by cRecords.
type blockWriter struct {
	buf []byte // C memory not yet written
	pin *runtime.Pinner
}

// data is arena.bytes for a batch: nil stays NULL, empty is non-NULL with length 0.
func (w *blockWriter) data(b []byte) (*C.uint8_t, C.size_t) {
	switch {
	case b == nil:
		return nil, 0
	case len(b) == 0:
		return cEmpty, 0
	case len(b) >= pinMin:
		d := unsafe.SliceData(b)
		w.pin.Pin(d)
		return (*C.uint8_t)(unsafe.Pointer(d)), C.size_t(len(b))
	}
	d := &w.buf[0]
	w.buf = w.buf[copy(w.buf, b):]
	return (*C.uint8_t)(unsafe.Pointer(d)), C.size_t(len(b))
}

func (w *blockWriter) str(s string) *C.char {
	d := &w.buf[0]
	n := copy(w.buf, s)
	w.buf[n] = 0
	w.buf = w.buf[n+1:]
	return (*C.char)(unsafe.Pointer(d))
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
			t := a.str("topic", topic)
			kp, kl := a.bytes(key)
			vp, vl := a.bytes(value)
			hp, hn := a.headers(o.Headers)
			return a.call(func() C.kb_err {
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
		return nil, newError(kbErrInvalidState, "delivery reports go to the Deliveries channel; PollEvents is disabled")
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

// Purge drops queued (PurgeQueue) and/or in-flight (PurgeInflight) messages; or-ed with
// PurgeNonBlocking it does not wait for that to finish.
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
		Spooled:          uint64(i.spooled),
		SpoolRefused:     uint64(i.spool_refused),
		SpoolReplayed:    uint64(i.spool_replayed),
		SpoolDropped:     uint64(i.spool_dropped),
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
	p.topics.free()
	return call(func() C.kb_err { return C.kb_producer_free(h) })
}
