package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"time"
	"unsafe"
)

// queryDefaultTimeout bounds Watermarks and Metadata when ctx has no deadline.
const queryDefaultTimeout = 10 * time.Second

func queryTimeout(ctx context.Context) (C.int32_t, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t := ctxTimeout(ctx, queryDefaultTimeout)
	if t <= 0 {
		return 0, context.DeadlineExceeded
	}
	return durationMs(t), nil
}

// Watermarks asks the broker for a partition's low (first) and high (next to
// be written) offsets, within ctx's deadline (default 10s).
func (c *Consumer) Watermarks(ctx context.Context, topic string, partition int32) (low, high int64, err error) {
	t, err := queryTimeout(ctx)
	if err != nil {
		return 0, 0, err
	}
	var lo, hi C.int64_t
	err = c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		tp := a.str("topic", topic)
		return a.call(func() C.kb_err {
			return C.kb_watermarks(unsafe.Pointer(h), tp, C.int32_t(partition), t, &lo, &hi)
		})
	})
	return int64(lo), int64(hi), err
}

// BrokerMetadata describes one broker.
type BrokerMetadata struct {
	ID   int32
	Host string
	Port int32
}

// PartitionMetadata describes one partition; Leader is -1 if none.
type PartitionMetadata struct {
	ID       int32
	Leader   int32
	Replicas []int32
	ISRs     []int32
	Err      error
}

// TopicMetadata describes one topic; Err is e.g. ErrUnknownTopic for a topic
// that does not exist.
type TopicMetadata struct {
	Name       string
	Partitions []PartitionMetadata
	Err        error
}

// Metadata is a snapshot of cluster metadata, copied out of the library.
type Metadata struct {
	OrigBrokerID   int32
	OrigBrokerName string
	Brokers        []BrokerMetadata
	Topics         []TopicMetadata
}

// Metadata fetches cluster metadata through the consumer's client within ctx's
// deadline (default 10s): all topics when topic is "", else just that one.
func (c *Consumer) Metadata(ctx context.Context, topic string) (*Metadata, error) {
	t, err := queryTimeout(ctx)
	if err != nil {
		return nil, err
	}
	var out *Metadata
	err = c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		var tp *C.char
		if topic != "" {
			tp = a.str("topic", topic)
		}
		var md *C.kb_metadata
		if err := a.call(func() C.kb_err {
			return C.kb_metadata_fetch(unsafe.Pointer(h), tp, t, &md)
		}); err != nil {
			return err
		}
		defer C.kb_metadata_free(md)
		var v C.kb_metadata_view
		if err := a.call(func() C.kb_err { return C.kb_metadata_get_view(md, &v) }); err != nil {
			return err
		}
		out = metadataFromView(&v)
		return nil
	})
	return out, err
}

func int32s(p *C.int32_t, n C.size_t) []int32 {
	if p == nil || n == 0 {
		return nil
	}
	out := make([]int32, int(n))
	for i, x := range unsafe.Slice(p, int(n)) {
		out[i] = int32(x)
	}
	return out
}

func metadataFromView(v *C.kb_metadata_view) *Metadata {
	m := &Metadata{OrigBrokerID: int32(v.orig_broker_id), OrigBrokerName: goString(v.orig_broker_name)}
	if v.brokers != nil {
		for _, b := range unsafe.Slice(v.brokers, int(v.broker_count)) {
			m.Brokers = append(m.Brokers, BrokerMetadata{ID: int32(b.id), Host: goString(b.host), Port: int32(b.port)})
		}
	}
	if v.topics != nil {
		for _, tm := range unsafe.Slice(v.topics, int(v.topic_count)) {
			t := TopicMetadata{Name: goString(tm.name)}
			if tm.err != 0 {
				t.Err = newError(int32(tm.err), "")
			}
			if tm.partitions != nil {
				for _, pm := range unsafe.Slice(tm.partitions, int(tm.partition_count)) {
					p := PartitionMetadata{ID: int32(pm.id), Leader: int32(pm.leader),
						Replicas: int32s(pm.replicas, pm.replica_count), ISRs: int32s(pm.isrs, pm.isr_count)}
					if pm.err != 0 {
						p.Err = newError(int32(pm.err), "")
					}
					t.Partitions = append(t.Partitions, p)
				}
			}
			m.Topics = append(m.Topics, t)
		}
	}
	return m
}
