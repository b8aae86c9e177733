package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"time"
)

// txnDefaultTimeout bounds transactional calls whose ctx has no deadline.
const txnDefaultTimeout = 60 * time.Second

// txnTimeout turns ctx into the C call's timeout; the calls cannot be
// interrupted, so a ctx without a deadline waits up to txnDefaultTimeout.
func txnTimeout(ctx context.Context) (C.int32_t, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t := ctxTimeout(ctx, txnDefaultTimeout)
	if t <= 0 {
		return 0, context.DeadlineExceeded
	}
	return durationMs(t), nil
}

// InitTransactions initialises transactions (the producer needs
// "transactional.id"); call once before BeginTransaction. The wait is bounded by
// ctx's deadline (default 60s). Without transactional.id it fails with
// librdkafka's _NOT_CONFIGURED error.
func (p *Producer) InitTransactions(ctx context.Context) error {
	t, err := txnTimeout(ctx)
	if err != nil {
		return err
	}
	return p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_init_transactions(h, t) })
	})
}

// BeginTransaction starts a transaction (ErrState if not initialised or already in one).
func (p *Producer) BeginTransaction() error {
	return p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_begin_transaction(h) })
	})
}

// CommitTransaction flushes and commits the current transaction within ctx's
// deadline (default 60s).
func (p *Producer) CommitTransaction(ctx context.Context) error {
	t, err := txnTimeout(ctx)
	if err != nil {
		return err
	}
	return p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_commit_transaction(h, t) })
	})
}

// AbortTransaction aborts the current transaction within ctx's deadline
// (default 60s); its messages are never visible to read_committed consumers.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	t, err := txnTimeout(ctx)
	if err != nil {
		return err
	}
	return p.use(func(h *C.kb_producer) error {
		return call(func() C.kb_err { return C.kb_producer_abort_transaction(h, t) })
	})
}

// SendOffsetsToTransaction adds consumer's group offsets (the next offsets to
// read) to the current transaction, for consume-transform-produce.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, consumer *Consumer, offsets []TopicPartition) error {
	t, err := txnTimeout(ctx)
	if err != nil {
		return err
	}
	if consumer == nil {
		return newError(kbErrInvalidArgument, "consumer is nil")
	}
	return p.use(func(h *C.kb_producer) error {
		return consumer.use(func(ch *C.kb_consumer) error {
			var a arena
			defer a.free()
			tp, n := a.partitions(offsets)
			return a.call(func() C.kb_err { return C.kb_producer_send_offsets_to_transaction(h, ch, tp, n, t) })
		})
	})
}
