package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"math"
	"time"
	"unsafe"
)

// Special offsets and partitions (values from the generated constants_gen.go).
const (
	OffsetBeginning = kbOffsetBeginning
	OffsetEnd       = kbOffsetEnd
	OffsetStored    = kbOffsetStored
	OffsetInvalid   = kbOffsetInvalid
	PartitionAny    = kbPartitionUA
)

// Flags for Producer.Purge, or-ed.
const (
	PurgeQueue       = int(kbPurgeQueue)       // messages waiting in the local queue
	PurgeInflight    = int(kbPurgeInflight)    // messages in flight to brokers
	PurgeNonBlocking = int(kbPurgeNonBlocking) // do not wait for the purge to finish
)

// OffsetTail returns the offset n messages before the end.
func OffsetTail(n int64) int64 { return kbOffsetTailBase - n }

// Header is a message header; a nil Value is a header with a null value.
type Header struct {
	Name  string
	Value []byte
}

// TopicPartition names a partition with an offset.
type TopicPartition struct {
	Topic     string
	Partition int32
	Offset    int64
	Metadata  []byte
	Err       error // per-partition error in results, nil if none
}

// Message is a consumed message. Key and Value are nil when absent and
// []byte{} when present but empty. Err is set for consumer errors such as
// ErrPartitionEOF (the other fields are then filled where known).
type Message struct {
	Topic         string
	Partition     int32
	Offset        int64
	Key           []byte
	Value         []byte
	Headers       []Header
	Timestamp     time.Time // zero if the message has none
	TimestampType int32     // 0 none, 1 create time, 2 log append time
	Err           error
}

// EventKind says what an Event reports.
type EventKind int32

const (
	EventDelivery  = EventKind(kbEventDelivery)
	EventError     = EventKind(kbEventError)
	EventLog       = EventKind(kbEventLog)
	EventStats     = EventKind(kbEventStats)
	EventRebalance = EventKind(kbEventRebalance)
	EventCommit    = EventKind(kbEventCommit)
	// EventOAuthBearerTokenRefresh: the client wants a token (see OAuthBearerToken).
	EventOAuthBearerTokenRefresh = EventKind(kbEventOauthbearerTokenRefresh)
)

func (k EventKind) String() string {
	switch k {
	case EventDelivery:
		return "delivery"
	case EventError:
		return "error"
	case EventLog:
		return "log"
	case EventStats:
		return "stats"
	case EventRebalance:
		return "rebalance"
	case EventCommit:
		return "commit"
	case EventOAuthBearerTokenRefresh:
		return "oauthbearer token refresh"
	}
	return "unknown"
}

// Event is a delivery report, client error, log line, statistics JSON,
// rebalance, commit result or token refresh request, copied out of the library.
type Event struct {
	Kind       EventKind
	Err        error // nil on success
	Fatal      bool
	MessageID  uint64 // deliveries: the id Produce returned
	Topic      string
	Partition  int32
	Offset     int64
	Timestamp  time.Time
	Text       string // error message, log line, statistics JSON or sasl.oauthbearer.config
	LogLevel   int32
	Facility   string
	Partitions []TopicPartition
}

func eventFromView(v *C.kb_event_view) Event {
	e := Event{
		Kind:      EventKind(v.kind),
		Fatal:     v.fatal != 0,
		MessageID: uint64(v.message_id),
		Topic:     goString(v.topic),
		Partition: int32(v.partition),
		Offset:    int64(v.offset),
		LogLevel:  int32(v.log_level),
		Facility:  goString(v.facility),
	}
	if v.text != nil {
		e.Text = C.GoStringN(v.text, C.int(v.text_len))
	}
	if v.timestamp_ms > 0 {
		e.Timestamp = time.UnixMilli(int64(v.timestamp_ms))
	}
	if v.err != 0 {
		e.Err = newError(int32(v.err), e.Text)
	}
	e.Partitions = goPartitions(v.partitions, v.partition_count)
	return e
}

func eventsFromBatch(b *C.kb_event_batch) ([]Event, error) {
	n := C.kb_event_batch_count(b)
	if n == 0 {
		return nil, nil
	}
	var views *C.kb_event_view
	if err := call(func() C.kb_err { return C.kb_event_batch_views(b, &views) }); err != nil {
		return nil, err
	}
	arr := unsafe.Slice(views, int(n))
	out := make([]Event, len(arr))
	for i := range arr {
		out[i] = eventFromView(&arr[i])
	}
	return out, nil
}

func messageFromView(v *C.kb_message_view) Message {
	m := Message{
		Topic:         goString(v.topic),
		Partition:     int32(v.partition),
		Offset:        int64(v.offset),
		Key:           goBytes(v.key, v.key_len),
		Value:         goBytes(v.value, v.value_len),
		TimestampType: int32(v.timestamp_type),
	}
	if v.timestamp_type != 0 && v.timestamp_ms >= 0 {
		m.Timestamp = time.UnixMilli(int64(v.timestamp_ms))
	}
	if v.headers != nil && v.header_count > 0 {
		hs := unsafe.Slice(v.headers, int(v.header_count))
		m.Headers = make([]Header, len(hs))
		for i, h := range hs {
			m.Headers[i] = Header{Name: goString(h.name), Value: goBytes(h.value, h.value_len)}
		}
	}
	if v.err != 0 {
		m.Err = newError(int32(v.err), goString(v.error_text))
	}
	return m
}

// durationMs converts a timeout to milliseconds for the C API (negative -> 0).
func durationMs(d time.Duration) C.int32_t {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxInt32 {
		return math.MaxInt32
	}
	return C.int32_t(ms)
}

// ctxTimeout derives a timeout from ctx's deadline, or def if it has none.
func ctxTimeout(ctx context.Context, def time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return def
}

// pollSlice is how long one blocking C call may wait while a context without
// a deadline is watched for cancellation.
const pollSlice = 100 * time.Millisecond

// sliced calls step with timeouts of at most pollSlice until it reports done,
// ctx is done, or ctx's deadline passes (then step is called a last time with 0).
func sliced(ctx context.Context, step func(timeout time.Duration) (bool, error)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := pollSlice
		last := false
		if dl, ok := ctx.Deadline(); ok {
			if rem := time.Until(dl); rem <= t {
				t, last = max(rem, 0), true
			}
		}
		done, err := step(t)
		if done || err != nil {
			return err
		}
		if last {
			if err := ctx.Err(); err != nil {
				return err
			}
			return context.DeadlineExceeded
		}
	}
}
