package kafkabridge

import (
	"context"
	"testing"
	"time"
)

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
