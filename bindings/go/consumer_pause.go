package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

// Pause stops fetching the given partitions (Offset is ignored): Poll returns
// none of their messages until Resume.
func (c *Consumer) Pause(parts []TopicPartition) error {
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		p, n := a.partitions(parts)
		return a.call(func() C.kb_err { return C.kb_consumer_pause(h, p, n) })
	})
}

// Resume restarts fetching paused partitions.
func (c *Consumer) Resume(parts []TopicPartition) error {
	return c.use(func(h *C.kb_consumer) error {
		var a arena
		defer a.free()
		p, n := a.partitions(parts)
		return a.call(func() C.kb_err { return C.kb_consumer_resume(h, p, n) })
	})
}
