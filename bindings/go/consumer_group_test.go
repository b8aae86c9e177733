package kafkabridge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

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
