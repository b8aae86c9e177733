package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import "time"

// ConsumerInfo reports facts about a consumer handle (see Consumer.Info).
//
// With "bridge.persistent.name" (and "group.id") set, NewConsumer returns a session of a
// process-wide group member that stays in its group between sessions and prefetches for the
// next one ("bridge.consumer.buffer.messages"). Close commits what the session was handed (with
// enable.auto.commit, the default); the next session continues after the last committed
// message. One session at a time.
type ConsumerInfo struct {
	Persistent       bool
	Reused           bool // attached to a member that already existed: no group join
	Age              time.Duration
	SessionsServed   uint64
	BufferedMessages uint64 // prefetched for the next session
	BufferedBytes    uint64
	PausedPartitions uint64 // paused because the buffer is full
	Redelivered      uint64 // handed to sessions that ended without committing them
	IdleLeaves       uint64 // left the group while idle (rejoined for a later session)
	CreatorPID       int    // the process that created the consumer (never a fork parent)
	GroupGeneration  int32  // the group's generation (its rebalances so far), -1 before joining
	Assigned         uint64 // partitions assigned now
	Rebalances       uint64 // rebalances the consumer (the member) took part in
}

// Info reports whether a persistent session reused its member, and what the member holds.
func (c *Consumer) Info() (ConsumerInfo, error) {
	var i C.kb_consumer_info
	err := c.use(func(h *C.kb_consumer) error {
		return call(func() C.kb_err { return C.kb_consumer_get_info(h, &i) })
	})
	if err != nil {
		return ConsumerInfo{}, err
	}
	return ConsumerInfo{
		Persistent:       i.persistent != 0,
		Reused:           i.reused != 0,
		Age:              time.Duration(i.age_ms) * time.Millisecond,
		SessionsServed:   uint64(i.sessions_served),
		BufferedMessages: uint64(i.buffered_messages),
		BufferedBytes:    uint64(i.buffered_bytes),
		PausedPartitions: uint64(i.paused_partitions),
		Redelivered:      uint64(i.redelivered),
		IdleLeaves:       uint64(i.idle_leaves),
		CreatorPID:       int(i.creator_pid),
		GroupGeneration:  int32(i.group_generation),
		Assigned:         uint64(i.assigned_partitions),
		Rebalances:       uint64(i.rebalances),
	}, nil
}
