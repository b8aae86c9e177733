package kafkabridge

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestDeliveriesChannel(t *testing.T) {
	topic := newTopic(t, 2)
	p, err := NewProducer(mustConfig(t, map[string]string{"bootstrap.servers": brokers(t), "linger.ms": "5"}))
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	defer p.Close()
	ch := p.Deliveries()
	if ch2 := p.Deliveries(); ch2 != ch {
		t.Fatalf("Deliveries returned a second channel")
	}
	if _, err := p.PollEvents(0, 10); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("PollEvents with the channel enabled: %v, want ErrInvalidState", err)
	}
	want := map[uint64]int32{}
	for i := 0; i < 20; i++ {
		id, err := p.Produce(topic, []byte(fmt.Sprint("d", i)), nil, Partition(int32(i%2)))
		if err != nil {
			t.Fatalf("Produce: %v", err)
		}
		want[id] = int32(i % 2)
	}
	timeout := time.After(20 * time.Second)
	for len(want) > 0 {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed early; %d reports missing", len(want))
			}
			part, ok := want[r.MessageID]
			if !ok {
				t.Fatalf("unexpected or duplicate report %+v", r)
			}
			delete(want, r.MessageID)
			if r.Err != nil || r.Topic != topic || r.Partition != part || r.Offset < 0 {
				t.Errorf("report %+v", r)
			}
		case <-timeout:
			t.Fatalf("%d delivery reports missing", len(want))
		}
	}
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	// Close waited for the poller, which closes the channel on exit.
	select {
	case r, ok := <-ch:
		if ok {
			t.Fatalf("report after Close: %+v", r)
		}
	default:
		t.Fatal("channel still open after Close returned")
	}
	if _, err := p.PollEvents(0, 1); !errors.Is(err, ErrInvalidHandle) {
		t.Errorf("PollEvents after Close: %v", err)
	}
}

func TestPollEventsWithoutChannel(t *testing.T) {
	p := newProducer(t, map[string]string{"bootstrap.servers": cluster(t)})
	if _, err := p.PollEvents(0, 10); err != nil {
		t.Fatalf("PollEvents without the channel: %v", err)
	}
}

// A producer (with its delivery poller running) and a config that are never
// closed are freed by the finalizer safety net, and the poller stops.
func TestFinalizerFreesForgottenHandles(t *testing.T) {
	got := make(chan string, 16)
	hook := func(what string) { got <- what }
	finalizeHook.Store(&hook)
	defer finalizeHook.Store(nil)

	servers := cluster(t) // outside the closure: the mock cluster must outlive the producer
	ch := func() <-chan DeliveryReport {
		cfg, err := NewConfig(map[string]string{"bootstrap.servers": servers, "bridge.close.timeout.ms": "1000"})
		if err != nil {
			t.Fatalf("NewConfig: %v", err)
		}
		p, err := NewProducer(cfg)
		if err != nil {
			t.Fatalf("NewProducer: %v", err)
		}
		return p.Deliveries()
	}()
	seen := map[string]bool{}
	for i := 0; i < 100 && !(seen["producer"] && seen["config"]); i++ {
		runtime.GC()
		select {
		case w := <-got:
			seen[w] = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !seen["producer"] || !seen["config"] {
		t.Fatalf("finalized %v, want producer and config", seen)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("report on a forgotten producer's channel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("poller of a finalized producer still running")
	}
}
