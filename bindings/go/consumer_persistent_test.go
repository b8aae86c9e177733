package kafkabridge

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// pollValues polls c until n messages arrived (bounded) and returns their values.
func pollValues(t *testing.T, c *Consumer, n int) []string {
	t.Helper()
	var got []string
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		ms, err := c.PollBatch(200*time.Millisecond, n-len(got))
		if err != nil {
			t.Fatalf("PollBatch: %v", err)
		}
		for _, m := range ms {
			if m.Err == nil {
				got = append(got, string(m.Value))
			}
		}
	}
	return got
}

func TestPersistentConsumerSessionsContinueAndReuseTheMember(t *testing.T) {
	topic := newTopic(t, 1)
	produceN(t, topic, 1, 10)
	props := map[string]string{
		"bootstrap.servers": brokers(t), "group.id": topic + "-group", "auto.offset.reset": "earliest",
		"bridge.persistent.name": topic + "-reader",
	}
	first, err := NewConsumer(mustConfig(t, props))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	if err := first.Subscribe(topic); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	if got := fmt.Sprint(pollValues(t, first, 3)); got != "[p0-0 p0-1 p0-2]" {
		t.Fatalf("first session read %s", got)
	}
	if _, err := NewConsumer(mustConfig(t, props)); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("a second open session: got %v, want ErrInvalidState", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second, err := NewConsumer(mustConfig(t, props))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	defer second.Close()
	if err := second.Subscribe(topic); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	info, err := second.Info()
	if err != nil || !info.Persistent || !info.Reused || info.SessionsServed != 1 {
		t.Fatalf("Info: %+v %v", info, err)
	}
	if got := fmt.Sprint(pollValues(t, second, 7)); got != "[p0-3 p0-4 p0-5 p0-6 p0-7 p0-8 p0-9]" {
		t.Fatalf("second session read %s", got)
	}
}
