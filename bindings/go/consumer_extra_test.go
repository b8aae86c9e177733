package kafkabridge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

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

func newConsumer(t *testing.T, props map[string]string) *Consumer {
	t.Helper()
	all := map[string]string{"bootstrap.servers": brokers(t), "auto.offset.reset": "earliest", "enable.auto.commit": "false"}
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

func TestWatermarksAndMetadata(t *testing.T) {
	topic := newTopic(t, 2)
	const n = 7
	produceN(t, topic, 1, n)
	c := newConsumer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lo, hi, err := c.Watermarks(ctx, topic, 0)
	if err != nil || lo != 0 || hi != n {
		t.Fatalf("Watermarks(p0) = %d, %d, %v; want 0, %d", lo, hi, err, n)
	}
	lo, hi, err = c.Watermarks(ctx, topic, 1)
	if err != nil || lo != 0 || hi != 0 {
		t.Fatalf("Watermarks(p1) = %d, %d, %v; want 0, 0", lo, hi, err)
	}
	md, err := c.Metadata(ctx, topic)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if len(md.Brokers) == 0 || len(md.Topics) != 1 || md.Topics[0].Name != topic || md.Topics[0].Err != nil ||
		len(md.Topics[0].Partitions) != 2 {
		t.Fatalf("Metadata = %+v", md)
	}
	for _, p := range md.Topics[0].Partitions {
		if p.Leader < 0 || len(p.Replicas) != 1 || p.Err != nil {
			t.Errorf("partition %+v", p)
		}
	}
}

func TestPauseResume(t *testing.T) {
	topic := newTopic(t, 2)
	const n = 5
	produceN(t, topic, 2, n)
	c := newConsumer(t, nil)
	parts := []TopicPartition{{Topic: topic, Partition: 0, Offset: OffsetBeginning}, {Topic: topic, Partition: 1, Offset: OffsetBeginning}}
	if err := c.Assign(parts...); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	p1 := []TopicPartition{{Topic: topic, Partition: 1}}
	if err := c.Pause(p1); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	count := map[int32]int{}
	poll := func(until func() bool, window time.Duration) {
		deadline := time.Now().Add(window)
		for !until() && time.Now().Before(deadline) {
			ms, err := c.PollBatch(200*time.Millisecond, 20)
			if err != nil {
				t.Fatalf("PollBatch: %v", err)
			}
			for _, m := range ms {
				if m.Err == nil {
					count[m.Partition]++
				}
			}
		}
	}
	// Partition 0 is read completely; paused partition 1 stays silent during
	// that and a further bounded window.
	poll(func() bool { return count[0] >= n }, 20*time.Second)
	poll(func() bool { return false }, time.Second)
	if count[0] != n || count[1] != 0 {
		t.Fatalf("while paused: %v, want %d from p0 and none from p1", count, n)
	}
	if err := c.Resume(p1); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	poll(func() bool { return count[1] >= n }, 20*time.Second)
	if count[1] != n {
		t.Fatalf("after resume: %v, want %d from p1", count, n)
	}
}

func TestGroupRebalanceTwoConsumers(t *testing.T) {
	topic := newTopic(t, 2)
	group := "go-rebalance-" + topic
	c1 := newConsumer(t, map[string]string{"group.id": group})
	c2 := newConsumer(t, map[string]string{"group.id": group})
	for _, c := range []*Consumer{c1, c2} {
		if err := c.Subscribe(topic); err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
	}
	assigned := func(c *Consumer) int {
		a, err := c.Assignment()
		if err != nil {
			t.Fatalf("Assignment: %v", err)
		}
		return len(a)
	}
	deadline := time.Now().Add(45 * time.Second)
	for !(assigned(c1) == 1 && assigned(c2) == 1) && time.Now().Before(deadline) {
		for _, c := range []*Consumer{c1, c2} {
			if _, err := c.PollBatch(100*time.Millisecond, 10); err != nil {
				t.Fatalf("PollBatch: %v", err)
			}
		}
	}
	a1, _ := c1.Assignment()
	a2, _ := c2.Assignment()
	if len(a1) != 1 || len(a2) != 1 || a1[0].Partition == a2[0].Partition {
		t.Fatalf("assignments %+v / %+v, want one distinct partition each", a1, a2)
	}
	if err := c2.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	deadline = time.Now().Add(45 * time.Second)
	for assigned(c1) != 2 && time.Now().Before(deadline) {
		if _, err := c1.PollBatch(100*time.Millisecond, 10); err != nil {
			t.Fatalf("PollBatch: %v", err)
		}
	}
	if n := assigned(c1); n != 2 {
		t.Fatalf("after the other consumer left: %d partitions, want 2", n)
	}
}

func TestCommitThenRestartResumes(t *testing.T) {
	topic := newTopic(t, 1)
	const n = 6
	produceN(t, topic, 1, n)
	group := "go-restart-" + topic
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := newConsumer(t, map[string]string{"group.id": group})
	if err := c.Subscribe(topic); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m, err := c.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if string(m.Value) != fmt.Sprintf("p0-%d", i) {
			t.Fatalf("message %d = %q", i, m.Value)
		}
		if i == 2 {
			if err := c.CommitMessage(m); err != nil {
				t.Fatalf("CommitMessage: %v", err)
			}
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c2 := newConsumer(t, map[string]string{"group.id": group})
	if err := c2.Subscribe(topic); err != nil {
		t.Fatal(err)
	}
	m, err := c2.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll after restart: %v", err)
	}
	if m.Offset != 3 || string(m.Value) != "p0-3" {
		t.Fatalf("after restart got offset %d %q, want offset 3 \"p0-3\"", m.Offset, m.Value)
	}
}
