package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Consumer consumes messages, in a group (group.id set: Subscribe, Commit)
// or by manual assignment (Assign). Rebalances are applied inside Poll.
type Consumer struct {
	mu sync.RWMutex
	h  *C.kb_consumer
}

// NewConsumer creates a consumer from cfg.
func NewConsumer(cfg *Config) (*Consumer, error) {
	var h *C.kb_consumer
	err := cfg.with(func(c *C.kb_config) error {
		return call(func() C.kb_err { return C.kb_consumer_new(c, &h) })
	})
	if err != nil {
		return nil, err
	}
	c := &Consumer{h: h}
	setFinalizer(c, "consumer", (*Consumer).Close)
	return c, nil
}

func (c *Consumer) use(f func(h *C.kb_consumer) error) error {
	c.mu.RLock()
	h := c.h
	c.mu.RUnlock()
	if h == nil {
		return closedError("consumer")
	}
	defer runtime.KeepAlive(c) // the finalizer must not free h during f
	return f(h)
}

// Subscribe replaces the subscription; names starting with "^" are regexes.
func (c *Consumer) Subscribe(topics ...string) error {
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		var arr **C.char
		if len(topics) > 0 {
			arr = (**C.char)(a.alloc(int(unsafe.Sizeof((*C.char)(nil))) * len(topics)))
			s := unsafe.Slice(arr, len(topics))
			for i, t := range topics {
				s[i] = a.str("topic", t)
			}
		}
		return a.call(func() C.kb_err { return C.kb_consumer_subscribe(h, arr, C.size_t(len(topics))) })
	})
}

// Unsubscribe leaves the subscription.
func (c *Consumer) Unsubscribe() error {
	return c.use(func(h *C.kb_consumer) error {
		return call(func() C.kb_err { return C.kb_consumer_unsubscribe(h) })
	})
}

// Assign replaces the assignment; each partition starts at its Offset
// (OffsetBeginning, OffsetStored, ...). No partitions unassigns everything.
func (c *Consumer) Assign(parts ...TopicPartition) error {
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		p, n := a.partitions(parts)
		return a.call(func() C.kb_err { return C.kb_consumer_assign(h, p, n) })
	})
}

// PollMessage waits up to timeout for one message; it returns (nil, nil) if none
// came. A consumer error (e.g. ErrPartitionEOF) is returned as the error together
// with the message carrying its topic/partition/offset.
func (c *Consumer) PollMessage(timeout time.Duration) (*Message, error) {
	var msg *Message
	err := c.use(func(h *C.kb_consumer) error {
		var m *C.kb_message
		if err := call(func() C.kb_err { return C.kb_consumer_poll(h, durationMs(timeout), &m) }); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		defer C.kb_message_free(m)
		var v C.kb_message_view
		if err := call(func() C.kb_err { return C.kb_message_get_view(m, &v) }); err != nil {
			return err
		}
		mm := messageFromView(&v)
		msg = &mm
		return mm.Err
	})
	return msg, err
}

// Poll waits for one message until ctx is done (then it returns ctx.Err()).
func (c *Consumer) Poll(ctx context.Context) (*Message, error) {
	var msg *Message
	var merr error
	err := sliced(ctx, func(t time.Duration) (bool, error) {
		msg, merr = c.PollMessage(t)
		if msg != nil {
			return true, nil
		}
		return false, merr
	})
	if msg != nil {
		return msg, merr
	}
	return nil, err
}

// PollBatch waits up to timeout in total for up to max messages, with one call
// into the library. Consumer errors appear as messages with Err set.
func (c *Consumer) PollBatch(timeout time.Duration, max int) ([]Message, error) {
	if max <= 0 {
		max = 1
	}
	var out []Message
	err := c.use(func(h *C.kb_consumer) error {
		var b *C.kb_message_batch
		if err := call(func() C.kb_err { return C.kb_consumer_poll_batch(h, durationMs(timeout), C.size_t(max), &b) }); err != nil {
			return err
		}
		defer C.kb_message_batch_free(b)
		n := C.kb_message_batch_count(b)
		if n == 0 {
			return nil
		}
		var views *C.kb_message_view
		if err := call(func() C.kb_err { return C.kb_message_batch_views(b, &views) }); err != nil {
			return err
		}
		arr := unsafe.Slice(views, int(n))
		out = make([]Message, len(arr))
		for i := range arr {
			out[i] = messageFromView(&arr[i])
		}
		return nil
	})
	return out, err
}

// PollEvents returns up to max consumer events (rebalance, commit, error, log,
// stats), waiting up to timeout for the first.
func (c *Consumer) PollEvents(timeout time.Duration, max int) ([]Event, error) {
	if max <= 0 {
		max = 1
	}
	var evs []Event
	err := c.use(func(h *C.kb_consumer) error {
		var b *C.kb_event_batch
		if err := call(func() C.kb_err { return C.kb_consumer_poll_events(h, durationMs(timeout), C.size_t(max), &b) }); err != nil {
			return err
		}
		defer C.kb_event_batch_free(b)
		var err error
		evs, err = eventsFromBatch(b)
		return err
	})
	return evs, err
}

// Commit synchronously commits the given offsets (the next offset to read per
// partition), or with none, the stored offsets of every assigned partition.
func (c *Consumer) Commit(offsets ...TopicPartition) error {
	return c.commit(offsets, false)
}

// CommitAsync is Commit without waiting; the result arrives as an EventCommit.
func (c *Consumer) CommitAsync(offsets ...TopicPartition) error {
	return c.commit(offsets, true)
}

func (c *Consumer) commit(offsets []TopicPartition, async bool) error {
	var as C.int32_t
	if async {
		as = 1
	}
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		p, n := a.partitions(offsets)
		return a.call(func() C.kb_err { return C.kb_consumer_commit(h, p, n, as) })
	})
}

// CommitMessage commits the offset after m for its partition.
func (c *Consumer) CommitMessage(m *Message) error {
	return c.Commit(TopicPartition{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset + 1})
}

// Committed fetches the committed offsets of parts (none: the assignment).
func (c *Consumer) Committed(ctx context.Context, parts ...TopicPartition) ([]TopicPartition, error) {
	var out []TopicPartition
	err := c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		p, n := a.partitions(parts)
		var l *C.kb_partition_list
		t := durationMs(ctxTimeout(ctx, 10*time.Second))
		if err := a.call(func() C.kb_err { return C.kb_consumer_committed(h, p, n, t, &l) }); err != nil {
			return err
		}
		var err error
		out, err = partitionList(l)
		return err
	})
	return out, err
}

// Position returns the position (next offset) of every assigned partition.
func (c *Consumer) Position() ([]TopicPartition, error) {
	var out []TopicPartition
	err := c.use(func(h *C.kb_consumer) error {
		var l *C.kb_partition_list
		if err := call(func() C.kb_err { return C.kb_consumer_position(h, &l) }); err != nil {
			return err
		}
		var err error
		out, err = partitionList(l)
		return err
	})
	return out, err
}

// Assignment returns the current assignment.
func (c *Consumer) Assignment() ([]TopicPartition, error) {
	var out []TopicPartition
	err := c.use(func(h *C.kb_consumer) error {
		var l *C.kb_partition_list
		if err := call(func() C.kb_err { return C.kb_consumer_assignment(h, &l) }); err != nil {
			return err
		}
		var err error
		out, err = partitionList(l)
		return err
	})
	return out, err
}

func partitionList(l *C.kb_partition_list) ([]TopicPartition, error) {
	defer C.kb_partition_list_free(l)
	n := C.kb_partition_list_count(l)
	if n == 0 {
		return nil, nil
	}
	var p *C.kb_topic_partition
	if err := call(func() C.kb_err { return C.kb_partition_list_entries(l, &p) }); err != nil {
		return nil, err
	}
	return goPartitions(p, n), nil
}

// Seek moves an assigned partition's position to offset within timeout.
// Errors: ErrState if not assigned, ErrUnknownPartition if never known.
func (c *Consumer) Seek(topic string, partition int32, offset int64, timeout time.Duration) error {
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		t := a.str("topic", topic)
		return a.call(func() C.kb_err {
			return C.kb_consumer_seek(h, t, C.int32_t(partition), C.int64_t(offset), durationMs(timeout))
		})
	})
}

// Close leaves the group (within bridge.close.timeout.ms) and frees the
// consumer. Closing twice is a no-op.
func (c *Consumer) Close() error {
	runtime.SetFinalizer(c, nil)
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.h
	c.h = nil
	if h == nil {
		return nil
	}
	err := call(func() C.kb_err { return C.kb_consumer_close(h) })
	if ferr := call(func() C.kb_err { return C.kb_consumer_free(h) }); err == nil {
		err = ferr
	}
	return err
}
