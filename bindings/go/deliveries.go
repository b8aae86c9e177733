package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"time"
)

// DeliveryReport is the outcome of one produced message, as sent on the
// channel returned by (*Producer).Deliveries.
type DeliveryReport struct {
	MessageID uint64 // the id Produce returned
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
	Err       error // nil on success
}

// deliveryPollInterval bounds each poll of the delivery poller, and so how long
// Close waits for the poller to notice it should stop.
const deliveryPollInterval = 100 * time.Millisecond

// poller is the state of a producer's delivery-report goroutine.
type poller struct {
	ch   chan DeliveryReport
	stop chan struct{}
	done chan struct{}
}

// Deliveries returns a channel of delivery reports, fed by one goroutine per
// producer that polls the library (kb_producer_poll_batch, 100 ms at a time).
// The first call starts the goroutine; later calls return the same channel.
// Close stops the goroutine, waits for it and then closes the channel.
//
// The channel and PollEvents/Poll are exclusive: once Deliveries has been
// called, PollEvents and Poll return ErrInvalidState. Events other than
// deliveries (client errors, logs, statistics) are dropped by the poller.
// Reports for messages still in flight when Close is called (Close flushes for
// up to bridge.close.timeout.ms) are not sent; call Flush before Close and
// drain the channel to receive them. If nobody reads the channel the poller
// blocks and stops polling, so size your reader accordingly (the channel has a
// buffer of 1024). On a closed producer, Deliveries returns a closed channel.
func (p *Producer) Deliveries() <-chan DeliveryReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.poll != nil {
		return p.poll.ch
	}
	if p.h == nil {
		ch := make(chan DeliveryReport)
		close(ch)
		return ch
	}
	pl := &poller{
		ch:   make(chan DeliveryReport, 1024),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	p.poll = pl
	// The goroutine holds the handle, not p, so a forgotten Producer can still
	// be finalized; Close waits for it before freeing the handle.
	go pl.run(p.h)
	return pl.ch
}

func (pl *poller) run(h *C.kb_producer) {
	defer close(pl.done)
	defer close(pl.ch)
	for {
		select {
		case <-pl.stop:
			return
		default:
		}
		evs, err := pollProducer(h, deliveryPollInterval, 256)
		if err != nil {
			// Timeouts are normal; anything else (e.g. a handle freed under
			// us) is retried after the interval unless we are told to stop.
			select {
			case <-pl.stop:
				return
			case <-time.After(deliveryPollInterval):
			}
			continue
		}
		for _, e := range evs {
			if e.Kind != EventDelivery {
				continue
			}
			r := DeliveryReport{MessageID: e.MessageID, Topic: e.Topic, Partition: e.Partition,
				Offset: e.Offset, Timestamp: e.Timestamp, Err: e.Err}
			select {
			case pl.ch <- r:
			case <-pl.stop:
				return
			}
		}
	}
}

// shutdown stops the goroutine and waits for it; safe to call more than once.
func (pl *poller) shutdown() {
	select {
	case <-pl.stop:
	default:
		close(pl.stop)
	}
	<-pl.done
}

// finalizeHook, if set (by tests), is called after a finalizer freed a handle.
var finalizeHook atomic.Pointer[func(what string)]

// setFinalizer installs the safety net that frees a handle the user forgot to
// Close once the object is unreachable. It is never the main path: Close frees
// deterministically and removes the finalizer.
func setFinalizer[T any](obj *T, what string, closeFn func(*T) error) {
	runtime.SetFinalizer(obj, func(o *T) {
		_ = closeFn(o)
		if h := finalizeHook.Load(); h != nil {
			(*h)(what)
		}
	})
}
