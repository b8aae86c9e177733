package kafkabridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var topicSeq atomic.Int64

// brokers is the real broker in KAFKA_BROKERS. Without it a test fails, except under -short
// (run-tests.sh with KB_BROKERLESS=1), which runs only the tests that need no broker: there it
// skips, so a test that needs the broker calls this (or newTopic) before anything else.
func brokers(t *testing.T) string {
	t.Helper()
	b := os.Getenv("KAFKA_BROKERS")
	if b == "" {
		if testing.Short() {
			t.Skip("needs the real broker (KAFKA_BROKERS); -short runs the broker-less tests only")
		}
		t.Fatal("KAFKA_BROKERS is not set")
	}
	return b
}

// cluster is for tests that need a cluster but nothing only a real broker has (topic creation,
// broker-side errors): the real broker when KAFKA_BROKERS is set, so the full suite keeps
// running them there, else an embedded mock cluster of their own.
func cluster(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		return b
	}
	m, err := NewMockCluster(1)
	if err != nil {
		t.Fatalf("NewMockCluster: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	servers, err := m.BootstrapServers()
	if err != nil {
		t.Fatalf("BootstrapServers: %v", err)
	}
	return servers
}

func mustConfig(t *testing.T, props map[string]string) *Config {
	t.Helper()
	c, err := NewConfig(props)
	if err != nil {
		t.Fatalf("NewConfig: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newTopic creates a unique topic on the real broker and deletes it at the end.
func newTopic(t *testing.T, partitions int32) string {
	t.Helper()
	name := fmt.Sprintf("go-%s-%d-%d", strings.ToLower(t.Name()), time.Now().UnixNano(), topicSeq.Add(1))
	name = strings.NewReplacer("/", "-", "_", "-").Replace(name)
	a, err := NewAdmin(mustConfig(t, map[string]string{"bootstrap.servers": brokers(t)}))
	if err != nil {
		t.Fatalf("NewAdmin: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.CreateTopic(ctx, name, partitions, 1, nil); err != nil {
		a.Close()
		t.Fatalf("CreateTopic: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.DeleteTopic(ctx, name); err != nil {
			t.Logf("DeleteTopic: %v", err)
		}
		a.Close()
	})
	return name
}

func newProducer(t *testing.T, props map[string]string) *Producer {
	t.Helper()
	p, err := NewProducer(mustConfig(t, props))
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// consumeAll reads n messages of topic partition 0.. from the beginning by manual assignment.
func consumeAll(t *testing.T, servers, topic string, parts int32, n int) []Message {
	t.Helper()
	c, err := NewConsumer(mustConfig(t, map[string]string{
		"bootstrap.servers": servers, "auto.offset.reset": "earliest", "enable.auto.commit": "false",
	}))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	defer c.Close()
	var tps []TopicPartition
	for p := int32(0); p < parts; p++ {
		tps = append(tps, TopicPartition{Topic: topic, Partition: p, Offset: OffsetBeginning})
	}
	if err := c.Assign(tps...); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	var got []Message
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		ms, err := c.PollBatch(500*time.Millisecond, n-len(got))
		if err != nil {
			t.Fatalf("PollBatch: %v", err)
		}
		for _, m := range ms {
			if m.Err != nil {
				t.Logf("consumer error message: %v", m.Err)
				continue
			}
			got = append(got, m)
		}
	}
	if len(got) != n {
		t.Fatalf("consumed %d messages, want %d", len(got), n)
	}
	return got
}

type rec struct {
	key, value []byte
	headers    []Header
}

func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func checkRoundTrip(t *testing.T, servers string, useSync bool) {
	var topic string
	if servers == "" {
		servers = brokers(t)
		topic = newTopic(t, 1)
	} else {
		topic = fmt.Sprintf("mock-%d", time.Now().UnixNano())
	}
	recs := []rec{
		{key: []byte("k\x00ey"), value: []byte("va\x00l\x00ue\x00"), headers: []Header{{"h1", []byte("a\x00b")}, {"null", nil}, {"empty", []byte{}}}},
		{key: nil, value: []byte("no key")},
		{key: []byte{}, value: []byte{}},
		{key: []byte("tombstone"), value: nil},
		{key: nil, value: nil},
		{key: []byte{0, 0, 0}, value: bytes.Repeat([]byte{0, 0xff, 0x7f}, 1000)},
	}
	p := newProducer(t, map[string]string{"bootstrap.servers": servers, "linger.ms": "5"})
	ts := time.UnixMilli(1700000000123)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, r := range recs {
		opts := ProduceOptions{Partition: 0, HasPartition: true, Headers: r.headers, Timestamp: ts}
		if useSync {
			d, err := p.ProduceSync(ctx, topic, r.value, r.key, opts)
			if err != nil {
				t.Fatalf("ProduceSync %d: %v", i, err)
			}
			if d.Partition != 0 || d.Offset != int64(i) {
				t.Fatalf("delivery %d: partition %d offset %d", i, d.Partition, d.Offset)
			}
		} else if _, err := p.Produce(topic, r.value, r.key, opts); err != nil {
			t.Fatalf("Produce %d: %v", i, err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	got := consumeAll(t, servers, topic, 1, len(recs))
	for i, m := range got {
		r := recs[i]
		if m.Offset != int64(i) || m.Topic != topic {
			t.Errorf("msg %d: topic %q offset %d", i, m.Topic, m.Offset)
		}
		if !sameBytes(m.Key, r.key) {
			t.Errorf("msg %d: key %q (nil=%v), want %q (nil=%v)", i, m.Key, m.Key == nil, r.key, r.key == nil)
		}
		if !sameBytes(m.Value, r.value) {
			t.Errorf("msg %d: value len %d (nil=%v), want len %d (nil=%v)", i, len(m.Value), m.Value == nil, len(r.value), r.value == nil)
		}
		if len(m.Headers) != len(r.headers) {
			t.Errorf("msg %d: %d headers, want %d", i, len(m.Headers), len(r.headers))
		} else {
			for j, h := range m.Headers {
				if h.Name != r.headers[j].Name || !sameBytes(h.Value, r.headers[j].Value) {
					t.Errorf("msg %d header %d: %q=%q (nil=%v), want %q=%q (nil=%v)", i, j, h.Name, h.Value, h.Value == nil,
						r.headers[j].Name, r.headers[j].Value, r.headers[j].Value == nil)
				}
			}
		}
		if !m.Timestamp.Equal(ts) {
			t.Errorf("msg %d: timestamp %v, want %v", i, m.Timestamp, ts)
		}
	}
}

func TestRoundTripByteExact(t *testing.T) { checkRoundTrip(t, "", false) }

func TestProduceSyncPartitionOffset(t *testing.T) {
	topic := newTopic(t, 3)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "1000"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	for i := 0; i < 3; i++ {
		d, err := p.ProduceSync(ctx, topic, []byte(fmt.Sprint("v", i)), nil, Partition(2))
		if err != nil {
			t.Fatalf("ProduceSync: %v", err)
		}
		if d.Partition != 2 || d.Offset != int64(i) || d.MessageID == 0 {
			t.Fatalf("delivery %+v, want partition 2 offset %d", d, i)
		}
	}
	// linger.ms is 1000: a synchronous produce must not sit it out.
	if el := time.Since(start); el > 2500*time.Millisecond {
		t.Errorf("3 ProduceSync took %v with linger.ms=1000", el)
	}
	d, err := p.ProduceSync(ctx, topic, []byte("any"), []byte("key"))
	if err != nil || d.Partition < 0 || d.Partition > 2 {
		t.Fatalf("ProduceSync any partition: %+v %v", d, err)
	}
}

func TestProduceSyncContext(t *testing.T) {
	// An unreachable broker: nothing is ever delivered.
	p := newProducer(t, map[string]string{"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "60000",
		"bridge.close.timeout.ms": "200"})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.ProduceSync(ctx, "go-unreachable", []byte("v"), nil)
	el := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: err %v, want context.DeadlineExceeded", err)
	}
	if el < 250*time.Millisecond || el > 2*time.Second {
		t.Errorf("deadline 300ms honoured in %v", el)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel2)
	start = time.Now()
	_, err = p.ProduceSync(ctx2, "go-unreachable", []byte("v"), nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("cancel: err %v after %v, want context.Canceled promptly", err, time.Since(start))
	}

	// Already cancelled: nothing is produced.
	n0, _ := p.Len()
	_, err = p.ProduceSync(ctx2, "go-unreachable", []byte("v"), nil)
	if err != context.Canceled {
		t.Fatalf("pre-cancelled: %v", err)
	}
	n1, _ := p.Len()
	if n1 != n0 {
		t.Errorf("pre-cancelled ProduceSync enqueued a message (%d -> %d)", n0, n1)
	}

	// Flush bounded by ctx as well.
	ctx3, cancel3 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel3()
	if err := p.Flush(ctx3); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush: %v", err)
	}
	p.Purge(PurgeQueue | PurgeInflight)
}

func TestDeliveryEventsCarryIDs(t *testing.T) {
	topic := newTopic(t, 2)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5"})
	want := map[uint64]int{}
	for i := 0; i < 20; i++ {
		id, err := p.Produce(topic, []byte(fmt.Sprint("m", i)), nil, Partition(int32(i%2)))
		if err != nil {
			t.Fatalf("Produce: %v", err)
		}
		if _, dup := want[id]; dup || id == 0 {
			t.Fatalf("bad id %d", id)
		}
		want[id] = i % 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	offsets := map[int32]map[int64]bool{0: {}, 1: {}}
	for len(want) > 0 {
		evs, err := p.Poll(ctx, 8)
		if err != nil {
			t.Fatalf("Poll: %v (still missing %d reports)", err, len(want))
		}
		for _, e := range evs {
			if e.Kind != EventDelivery {
				continue
			}
			part, ok := want[e.MessageID]
			if !ok {
				t.Fatalf("unexpected delivery id %d", e.MessageID)
			}
			delete(want, e.MessageID)
			if e.Err != nil || e.Topic != topic || e.Partition != int32(part) || e.Offset < 0 || e.Timestamp.IsZero() {
				t.Errorf("delivery %+v", e)
			}
			offsets[e.Partition][e.Offset] = true
		}
	}
	if len(offsets[0]) != 10 || len(offsets[1]) != 10 {
		t.Errorf("distinct offsets per partition: %d, %d", len(offsets[0]), len(offsets[1]))
	}
	if evs, _ := p.PollEvents(0, 10); len(evs) != 0 {
		for _, e := range evs {
			if e.Kind == EventDelivery {
				t.Errorf("extra delivery %+v", e)
			}
		}
	}
}

func TestPersistentProducerReused(t *testing.T) {
	topic := newTopic(t, 1)
	name := "go-persist-" + topic
	props := map[string]string{"bootstrap.servers": brokers(t), "bridge.persistent.name": name, "linger.ms": "2"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	p1, err := NewProducer(mustConfig(t, props))
	if err != nil {
		t.Fatal(err)
	}
	i1, err := p1.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !i1.Persistent || i1.Reused || i1.SessionsServed != 1 || int(i1.CreatorPID) != os.Getpid() {
		t.Fatalf("first session info %+v", i1)
	}
	if _, err := p1.ProduceSync(ctx, topic, []byte("one"), nil); err != nil {
		t.Fatal(err)
	}
	if err := p1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p1.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := p1.Produce(topic, []byte("x"), nil); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("Produce after Close: %v", err)
	}

	p2, err := NewProducer(mustConfig(t, props))
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	i2, _ := p2.Info()
	if !i2.Reused || i2.ClientID != i1.ClientID || i2.SessionsServed != 2 {
		t.Fatalf("second session info %+v (first %+v)", i2, i1)
	}
	if d, err := p2.ProduceSync(ctx, topic, []byte("two"), nil); err != nil || d.Offset != 1 {
		t.Fatalf("ProduceSync on reused client: %+v %v", d, err)
	}

	other := map[string]string{"bootstrap.servers": brokers(t), "bridge.persistent.name": name, "linger.ms": "3", "acks": "1"}
	_, err = NewProducer(mustConfig(t, other))
	var kbErr *Error
	if !errors.As(err, &kbErr) || !errors.Is(err, ErrConfigConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if kbErr.Code != -1004 || kbErr.Name != "KB_ERR_CONFIG_CONFLICT" ||
		!strings.Contains(kbErr.Message, "linger.ms") || !strings.Contains(kbErr.Message, "acks") {
		t.Fatalf("conflict error %#v", kbErr)
	}
}

func TestErrorsCarryCodeAndName(t *testing.T) {
	c := mustConfig(t, nil)
	err := c.Set("no.such.key", "1")
	var e *Error
	if !errors.As(err, &e) || e.Code != -1009 || e.Name != "KB_ERR_UNKNOWN_CONFIG" || !errors.Is(err, ErrUnknownConfig) ||
		!strings.Contains(e.Message, "no.such.key") {
		t.Fatalf("unknown key: %#v", err)
	}
	if err := c.Set("linger.ms", "not-a-number"); !errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), "_INVALID_ARG") {
		t.Fatalf("bad value: %v", err)
	}
	if _, err := c.Get("no.such.key"); !errors.Is(err, ErrNoEnt) {
		t.Fatalf("Get unknown: %v", err)
	}
	if err := c.Set("client.id", strings.Repeat("x", 600)); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get("client.id"); err != nil || v != strings.Repeat("x", 600) {
		t.Fatalf("Get long value: %d %v", len(v), err)
	}
	if _, err := NewConfig(map[string]string{"bootstrap.servers": "x", "bogus.key": "1"}); !errors.Is(err, ErrUnknownConfig) {
		t.Fatalf("NewConfig bogus: %v", err)
	}

	if !ErrTimedOut.Retriable() || ErrTimedOut.Code != -185 || ErrTimedOut.Name != "_TIMED_OUT" {
		t.Errorf("ErrTimedOut %#v retriable=%v", ErrTimedOut, ErrTimedOut.Retriable())
	}
	wrapped := fmt.Errorf("ctx: %w", &Error{Code: -185})
	if !errors.Is(wrapped, ErrTimedOut) || errors.Is(wrapped, ErrQueueFull) {
		t.Error("errors.Is on wrapped *Error")
	}

	// A real timeout from the library: flush on an unreachable broker.
	p := newProducer(t, map[string]string{"bootstrap.servers": "127.0.0.1:1", "bridge.close.timeout.ms": "100"})
	if _, err := p.Produce("go-x", []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	// Seek on a consumer without that partition assigned.
	cons, err := NewConsumer(mustConfig(t, map[string]string{"bootstrap.servers": cluster(t)}))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	err = cons.Seek("go-never-assigned", 0, 0, time.Second)
	if !errors.As(err, &e) || (e.Code != -172 && e.Code != -190) || e.Name == "" {
		t.Fatalf("Seek unassigned: %#v", err)
	}
	if err := cons.Subscribe("t"); !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), "group.id") {
		t.Fatalf("Subscribe without group.id: %v", err)
	}
	if err := p.Close(); !errors.Is(err, ErrTimedOut) {
		t.Fatalf("Close with undeliverable message: %v, want ErrTimedOut", err)
	}
}

func TestGroupConsumerCommit(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		if _, err := p.ProduceSync(ctx, topic, []byte(fmt.Sprint(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	group := "go-group-" + topic
	c, err := NewConsumer(mustConfig(t, map[string]string{"bootstrap.servers": brokers(t), "group.id": group,
		"auto.offset.reset": "earliest", "enable.auto.commit": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe(topic); err != nil {
		t.Fatal(err)
	}
	var last *Message
	for i := 0; i < 3; i++ {
		m, err := c.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll %d: %v", i, err)
		}
		if string(m.Value) != fmt.Sprint(i) {
			t.Fatalf("Poll %d: %q", i, m.Value)
		}
		last = m
	}
	if err := c.CommitMessage(last); err != nil {
		t.Fatal(err)
	}
	got, err := c.Committed(ctx, TopicPartition{Topic: topic, Partition: 0})
	if err != nil || len(got) != 1 || got[0].Offset != 3 {
		t.Fatalf("Committed: %+v %v", got, err)
	}
	evs, _ := c.PollEvents(0, 10)
	sawAssign := false
	for _, e := range evs {
		if e.Kind == EventRebalance && len(e.Partitions) > 0 && e.Partitions[0].Topic == topic {
			sawAssign = true
		}
	}
	if !sawAssign {
		t.Errorf("no rebalance event with the topic among %d events", len(evs))
	}
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	if m, err := c.Poll(short); m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Poll on drained topic: %+v %v", m, err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := c.PollBatch(0, 1); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("PollBatch after Close: %v", err)
	}
}

func TestMockClusterRoundTrip(t *testing.T) {
	m, err := NewMockCluster(1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	servers, err := m.BootstrapServers()
	if err != nil || servers == "" {
		t.Fatalf("BootstrapServers: %q %v", servers, err)
	}
	checkRoundTrip(t, servers, true)
}

func TestVersion(t *testing.T) {
	if Version() == "" || LibrdkafkaVersion() == "" {
		t.Fatal("empty version")
	}
}

// produceN sends n messages to each of parts partitions and waits for them.
func produceN(t *testing.T, topic string, parts int32, n int) {
	t.Helper()
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5"})
	for part := int32(0); part < parts; part++ {
		for i := 0; i < n; i++ {
			if _, err := p.Produce(topic, []byte(fmt.Sprintf("p%d-%d", part, i)), nil, Partition(part)); err != nil {
				t.Fatalf("Produce: %v", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// newConsumer reads from the beginning, commits only when told; bootstrap.servers is the real
// broker unless props names one.
func newConsumer(t *testing.T, props map[string]string) *Consumer {
	t.Helper()
	all := map[string]string{"auto.offset.reset": "earliest", "enable.auto.commit": "false"}
	if _, ok := props["bootstrap.servers"]; !ok {
		all["bootstrap.servers"] = brokers(t)
	}
	for k, v := range props {
		all[k] = v
	}
	c, err := NewConsumer(mustConfig(t, all))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
