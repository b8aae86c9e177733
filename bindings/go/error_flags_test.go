package kafkabridge

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A transaction holding a message the broker refuses cannot commit: the commit's error says
// so with librdkafka's own flag (read on the thread of the failed call), and abort works.
func TestCommitWithRefusedMessageRequiresAbort(t *testing.T) {
	topic := fmt.Sprintf("go-small-%d", time.Now().UnixNano())
	a, err := NewAdmin(mustConfig(t, map[string]string{"bootstrap.servers": brokers(t)}))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := a.CreateTopic(ctx, topic, 1, 1, map[string]string{"max.message.bytes": "1000"}); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	defer a.DeleteTopic(context.Background(), topic)

	p := newProducer(t, map[string]string{
		"bootstrap.servers": brokers(t),
		"transactional.id":  fmt.Sprintf("go-txn-abort-%d", time.Now().UnixNano()),
	})
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	if _, err := p.Produce(topic, make([]byte, 5000), nil); err != nil {
		t.Fatalf("Produce: %v", err)
	}
	err = p.CommitTransaction(ctx)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("CommitTransaction: %v, want an *Error", err)
	}
	if !e.TxnRequiresAbort() || e.Fatal() {
		t.Fatalf("CommitTransaction: %v: TxnRequiresAbort %v Fatal %v, want true false", e, e.TxnRequiresAbort(), e.Fatal())
	}
	if err := p.AbortTransaction(ctx); err != nil {
		t.Fatalf("AbortTransaction: %v", err)
	}
}

func TestTimeoutOfUnreachableBrokerIsRetriable(t *testing.T) {
	p, err := NewProducer(mustConfig(t, map[string]string{"bootstrap.servers": "127.0.0.1:1", "bridge.close.timeout.ms": "100"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Produce("go-x", []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	err = p.Close() // the flush of Close times out: the message cannot be delivered
	var e *Error
	if !errors.As(err, &e) || e.Code != -185 {
		t.Fatalf("Close: %v, want _TIMED_OUT", err)
	}
	if !e.hasFlags || !e.Retriable() || e.Fatal() || e.TxnRequiresAbort() {
		t.Fatalf("Close: %v: flags %d (read: %v), want retriable only", e, e.flags, e.hasFlags)
	}
}

func TestErrorsOutsideCallsTakeFlagsFromTheCode(t *testing.T) {
	if !ErrTimedOut.Retriable() || ErrTimedOut.TxnRequiresAbort() {
		t.Fatalf("ErrTimedOut: retriable %v, txn requires abort %v", ErrTimedOut.Retriable(), ErrTimedOut.TxnRequiresAbort())
	}
	lit := &Error{Code: -185}
	if !lit.Retriable() || lit.Fatal() {
		t.Fatalf("literal -185: retriable %v fatal %v", lit.Retriable(), lit.Fatal())
	}
}
