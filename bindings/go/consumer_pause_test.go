package kafkabridge

import (
	"testing"
	"time"
)

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
