package kafkabridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// drainDeliveries polls until a report for every id in want came in, checking each succeeded.
func drainDeliveries(t *testing.T, p *Producer, want []uint64) {
	t.Helper()
	missing := map[uint64]bool{}
	for _, id := range want {
		missing[id] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(missing) > 0 {
		evs, err := p.Poll(ctx, 100)
		if err != nil {
			t.Fatalf("Poll: %v (%d reports missing)", err, len(missing))
		}
		for _, e := range evs {
			if e.Kind != EventDelivery {
				continue
			}
			if !missing[e.MessageID] {
				t.Fatalf("unexpected delivery %+v", e)
			}
			delete(missing, e.MessageID)
			if e.Err != nil {
				t.Fatalf("delivery %d failed: %v", e.MessageID, e.Err)
			}
		}
	}
}

func flushOK(t *testing.T, p *Producer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func checkMessage(t *testing.T, m Message, r Record) {
	t.Helper()
	if m.Topic != r.Topic || !sameBytes(m.Key, r.Key) || !sameBytes(m.Value, r.Value) {
		t.Errorf("message %s/%d: key %q (nil=%v) value len %d (nil=%v), want %s key %q (nil=%v) value len %d (nil=%v)",
			m.Topic, m.Offset, m.Key, m.Key == nil, len(m.Value), m.Value == nil,
			r.Topic, r.Key, r.Key == nil, len(r.Value), r.Value == nil)
	}
	if len(m.Headers) != len(r.Headers) {
		t.Errorf("message %s/%d: %d headers, want %d", m.Topic, m.Offset, len(m.Headers), len(r.Headers))
		return
	}
	for j, h := range m.Headers {
		if h.Name != r.Headers[j].Name || !sameBytes(h.Value, r.Headers[j].Value) {
			t.Errorf("message %s/%d header %d: %q=%q, want %q=%q", m.Topic, m.Offset, j, h.Name, h.Value, r.Headers[j].Name, r.Headers[j].Value)
		}
	}
	if !r.Timestamp.IsZero() && !m.Timestamp.Equal(r.Timestamp) {
		t.Errorf("message %s/%d: timestamp %v, want %v", m.Topic, m.Offset, m.Timestamp, r.Timestamp)
	}
}

func TestProduceBatchRoundTrip(t *testing.T) {
	topicA, topicB := newTopic(t, 1), newTopic(t, 2)
	ts := time.UnixMilli(1700000000456)
	big := bytes.Repeat([]byte{0, 0xff, 0x7f, 'x'}, pinMin) // pinned rather than copied
	recs := []Record{
		{Topic: topicA, Key: []byte("k\x00ey"), Value: []byte("va\x00lue"), ProduceOptions: ProduceOptions{
			Headers: []Header{{"h1", []byte("a\x00b")}, {"null", nil}, {"empty", []byte{}}, {"big", big}}, Timestamp: ts}},
		{Topic: topicB, Value: []byte("to partition 1"), ProduceOptions: Partition(1)},
		{Topic: topicA, Key: []byte{}, Value: []byte{}},
		{Topic: topicA, Key: []byte("tombstone")},
		{Topic: topicB, Key: big, Value: big, ProduceOptions: ProduceOptions{Partition: 0, HasPartition: true, Timestamp: ts}},
		{Topic: topicA},
		{Topic: topicA, Value: bytes.Repeat([]byte("v"), pinMin-1), ProduceOptions: ProduceOptions{Headers: []Header{{"h", []byte("1")}}}},
	}
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5"})
	ids, err := p.ProduceBatch(recs)
	if err != nil || len(ids) != len(recs) {
		t.Fatalf("ProduceBatch: %d ids, %v", len(ids), err)
	}
	seen := map[uint64]bool{}
	for _, id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("ids %v: zero or repeated", ids)
		}
		seen[id] = true
	}
	flushOK(t, p)
	drainDeliveries(t, p, ids)

	var wantA, wantB0, wantB1 []Record
	for _, r := range recs {
		switch {
		case r.Topic == topicA:
			wantA = append(wantA, r)
		case r.Partition == 1:
			wantB1 = append(wantB1, r)
		default:
			wantB0 = append(wantB0, r)
		}
	}
	for i, m := range consumeAll(t, brokers(t), topicA, 1, len(wantA)) {
		checkMessage(t, m, wantA[i])
	}
	for _, m := range consumeAll(t, brokers(t), topicB, 2, 2) {
		want := wantB0[0]
		if m.Partition == 1 {
			want = wantB1[0]
		}
		checkMessage(t, m, want)
	}
}

func TestProduceBatchEmpty(t *testing.T) {
	p := newProducer(t, map[string]string{"bootstrap.servers": cluster(t)})
	for _, recs := range [][]Record{nil, {}} {
		ids, err := p.ProduceBatch(recs)
		if err != nil || len(ids) != 0 {
			t.Fatalf("empty batch: %v %v", ids, err)
		}
	}
	if n, err := p.Len(); err != nil || n != 0 {
		t.Fatalf("Len after empty batches: %d %v", n, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ProduceBatch(nil); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("ProduceBatch after Close: %v", err)
	}
}

// A full librdkafka queue (4 messages, held back by linger.ms) stops the batch at record 4.
func TestProduceBatchPartialOnQueueFull(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "60000",
		"queue.buffering.max.messages": "4"})
	var recs []Record
	for i := 0; i < 7; i++ {
		recs = append(recs, Record{Topic: topic, Value: []byte(fmt.Sprint("m", i))})
	}
	ids, err := p.ProduceBatch(recs)
	var kerr *Error
	if len(ids) != 4 || !errors.Is(err, ErrQueueFull) || !errors.As(err, &kerr) || !kerr.Retriable() ||
		!strings.Contains(kerr.Message, "record 4") {
		t.Fatalf("first batch: %d accepted, %v; want 4 and ErrQueueFull at record 4", len(ids), err)
	}
	all := ids
	for rest := recs[len(ids):]; len(rest) > 0; {
		flushOK(t, p)
		drainDeliveries(t, p, ids)
		ids, err = p.ProduceBatch(rest)
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("retry: %v", err)
		}
		if len(ids) == 0 {
			t.Fatalf("retry accepted nothing: %v", err)
		}
		all = append(all, ids...)
		rest = rest[len(ids):]
	}
	flushOK(t, p)
	drainDeliveries(t, p, ids)
	if len(all) != len(recs) {
		t.Fatalf("%d ids for %d records", len(all), len(recs))
	}
	for i, m := range consumeAll(t, brokers(t), topic, 1, len(recs)) {
		if m.Offset != int64(i) {
			t.Errorf("message %d at offset %d", i, m.Offset)
		}
		checkMessage(t, m, recs[i])
	}
}

// Undrained reports at bridge.event.queue.size refuse the batch until they are polled.
func TestProduceBatchEventQueueFull(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5",
		"bridge.event.queue.size": "2"})
	recs := []Record{{Topic: topic, Value: []byte("a")}, {Topic: topic, Value: []byte("b")}}
	ids, err := p.ProduceBatch(recs)
	if err != nil || len(ids) != 2 {
		t.Fatalf("first batch: %d %v", len(ids), err)
	}
	flushOK(t, p) // both reports now wait undrained
	more := []Record{{Topic: topic, Value: []byte("c")}}
	if got, err := p.ProduceBatch(more); len(got) != 0 || !errors.Is(err, ErrEventQueueFull) {
		t.Fatalf("batch with a full event queue: %d accepted, %v; want ErrEventQueueFull", len(got), err)
	}
	drainDeliveries(t, p, ids)
	ids, err = p.ProduceBatch(more)
	if err != nil || len(ids) != 1 {
		t.Fatalf("after polling: %d %v", len(ids), err)
	}
	flushOK(t, p)
	drainDeliveries(t, p, ids)
}

// An invalid record stops the batch with its own error and index; the ones before it were sent.
func TestProduceBatchInvalidRecord(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5"})
	recs := []Record{
		{Topic: topic, Value: []byte("ok")},
		{Topic: topic, Value: []byte("bad"), ProduceOptions: Partition(-5)},
		{Topic: topic, Value: []byte("never tried")},
	}
	ids, err := p.ProduceBatch(recs)
	var kerr *Error
	if len(ids) != 1 || !errors.Is(err, ErrInvalidArgument) || !errors.As(err, &kerr) ||
		!strings.Contains(kerr.Message, "record 1") || !strings.Contains(kerr.Message, "-5") {
		t.Fatalf("got %d ids, %v; want 1 and ErrInvalidArgument for record 1", len(ids), err)
	}
	flushOK(t, p)
	drainDeliveries(t, p, ids)
	if m := consumeAll(t, brokers(t), topic, 1, 1); string(m[0].Value) != "ok" {
		t.Fatalf("consumed %q", m[0].Value)
	}
}

// Produce reads the error message in the call that failed, without locking the OS
// thread: concurrent failures must each get their own message.
func TestProduceErrorMessagesConcurrent(t *testing.T) {
	p := newProducer(t, map[string]string{"bootstrap.servers": cluster(t)})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			part := int32(-2 - g)
			for i := 0; i < 200; i++ {
				_, err := p.Produce("go-never-sent", []byte("v"), nil, Partition(part))
				var kerr *Error
				if !errors.As(err, &kerr) || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(kerr.Message, fmt.Sprint(part)) {
					t.Errorf("goroutine %d: %v, want ErrInvalidArgument naming partition %d", g, err, part)
					return
				}
				_, err = p.ProduceBatch([]Record{{Topic: "go-never-sent", ProduceOptions: Partition(part)}})
				if !errors.As(err, &kerr) || !strings.Contains(kerr.Message, fmt.Sprint(part)) {
					t.Errorf("goroutine %d batch: %v, want a message naming partition %d", g, err, part)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// Topics past the cache bound are copied per call and still reach the right topic.
func TestProduceTopicCacheBound(t *testing.T) {
	old := maxCachedTopics
	maxCachedTopics = 1
	t.Cleanup(func() { maxCachedTopics = old })
	m, err := NewMockCluster(1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	servers, err := m.BootstrapServers()
	if err != nil {
		t.Fatal(err)
	}
	p := newProducer(t, map[string]string{"bootstrap.servers": servers, "linger.ms": "5"})
	base := fmt.Sprintf("mock-cache-%d-", time.Now().UnixNano())
	topics := []string{base + "a", base + "b", base + "c"}
	var ids []uint64
	for _, tp := range topics {
		id, err := p.Produce(tp, []byte("single "+tp), nil, Partition(0)) // mock topics have several
		if err != nil {
			t.Fatalf("Produce %s: %v", tp, err)
		}
		ids = append(ids, id)
	}
	var recs []Record
	for i := range topics {
		tp := topics[len(topics)-1-i]
		recs = append(recs, Record{Topic: tp, Value: []byte("batch " + tp), ProduceOptions: Partition(0)})
	}
	got, err := p.ProduceBatch(recs)
	if err != nil {
		t.Fatalf("ProduceBatch: %v", err)
	}
	flushOK(t, p)
	drainDeliveries(t, p, append(ids, got...))
	for _, tp := range topics {
		ms := consumeAll(t, servers, tp, 1, 2)
		if string(ms[0].Value) != "single "+tp || string(ms[1].Value) != "batch "+tp {
			t.Errorf("%s: %q, %q", tp, ms[0].Value, ms[1].Value)
		}
	}
}

// Close waits for produce calls in progress (they hold the topic strings) and later
// calls fail cleanly.
func TestProduceWhileClosing(t *testing.T) {
	// An unreachable broker: nothing is sent, Close purges what is queued.
	// A queue of 2 messages keeps what Close purges (and reports on stderr) short.
	p, err := NewProducer(mustConfig(t, map[string]string{"bootstrap.servers": "127.0.0.1:1",
		"bridge.close.timeout.ms": "100", "queue.buffering.max.messages": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	started := make(chan struct{})
	var once sync.Once
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				var err error
				if i%2 == 0 {
					_, err = p.Produce("go-closing", []byte("v"), nil)
				} else {
					_, err = p.ProduceBatch([]Record{{Topic: "go-closing", Value: []byte("v")}})
				}
				once.Do(func() { close(started) })
				if errors.Is(err, ErrInvalidHandle) {
					return
				}
				if err != nil && !errors.Is(err, ErrQueueFull) {
					t.Errorf("produce: %v", err)
					return
				}
			}
		}()
	}
	<-started
	if err := p.Close(); err != nil && !errors.Is(err, ErrTimedOut) {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
}
