package kafkabridge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestTransactionsCommitVisibleAbortInvisible(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{
		"bootstrap.servers": brokers(t),
		"transactional.id":  fmt.Sprintf("go-txn-%d", time.Now().UnixNano()),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	txn := func(prefix string, n int, commit bool) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatalf("BeginTransaction: %v", err)
		}
		for i := 0; i < n; i++ {
			if _, err := p.Produce(topic, []byte(fmt.Sprint(prefix, i)), nil, Partition(0)); err != nil {
				t.Fatalf("Produce: %v", err)
			}
		}
		if commit {
			if err := p.CommitTransaction(ctx); err != nil {
				t.Fatalf("CommitTransaction: %v", err)
			}
		} else {
			if err := p.Flush(ctx); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if err := p.AbortTransaction(ctx); err != nil {
				t.Fatalf("AbortTransaction: %v", err)
			}
		}
	}
	txn("commit-a-", 3, true)
	txn("abort-", 2, false)
	txn("commit-b-", 2, true)

	c, err := NewConsumer(mustConfig(t, map[string]string{
		"bootstrap.servers": brokers(t), "auto.offset.reset": "earliest",
		"enable.auto.commit": "false", "isolation.level": "read_committed",
	}))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	defer c.Close()
	if err := c.Assign(TopicPartition{Topic: topic, Partition: 0, Offset: OffsetBeginning}); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	want := map[string]bool{"commit-a-0": true, "commit-a-1": true, "commit-a-2": true, "commit-b-0": true, "commit-b-1": true}
	deadline := time.Now().Add(20 * time.Second)
	for len(want) > 0 && time.Now().Before(deadline) {
		ms, err := c.PollBatch(500*time.Millisecond, 10)
		if err != nil {
			t.Fatalf("PollBatch: %v", err)
		}
		for _, m := range ms {
			if m.Err != nil {
				continue
			}
			v := string(m.Value)
			if !want[v] {
				t.Fatalf("unexpected message %q (aborted or duplicate)", v)
			}
			delete(want, v)
		}
	}
	if len(want) > 0 {
		t.Fatalf("committed messages not seen: %v", want)
	}
	// Nothing else (in particular no aborted message) follows the last commit.
	ms, err := c.PollBatch(500*time.Millisecond, 10)
	if err != nil {
		t.Fatalf("PollBatch: %v", err)
	}
	for _, m := range ms {
		if m.Err == nil {
			t.Fatalf("unexpected extra message %q", m.Value)
		}
	}
}

func TestInitTransactionsNeedsTransactionalID(t *testing.T) {
	p := newProducer(t, map[string]string{"bootstrap.servers": cluster(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err == nil {
		t.Fatal("InitTransactions without transactional.id succeeded")
	}
	if err := p.SendOffsetsToTransaction(ctx, nil, nil); err == nil {
		t.Fatal("SendOffsetsToTransaction with a nil consumer succeeded")
	}
}
