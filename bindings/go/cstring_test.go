package kafkabridge

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// checkNULRefused asserts err is the invalid-argument refusal of a string holding a NUL
// byte, naming the argument.
func checkNULRefused(t *testing.T, err error, argument string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalidArgument) || e.Name != "KB_ERR_INVALID_ARGUMENT" {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
	if !strings.Contains(e.Message, argument) || !strings.Contains(e.Message, "NUL") {
		t.Fatalf("message %q does not name %q and the NUL byte", e.Message, argument)
	}
}

// C.CString would end these strings at the NUL byte, so the library would use another,
// shorter name: they are refused before the call.
func TestNULInProducerArgumentsIsRefused(t *testing.T) {
	p := newProducer(t, map[string]string{"bootstrap.servers": cluster(t)})
	_, err := p.Produce("real\x00ignored", []byte("x"), nil)
	checkNULRefused(t, err, "topic")
	_, err = p.Produce("t", []byte("x"), nil, ProduceOptions{Headers: []Header{{Name: "h\x00x", Value: []byte("v")}}})
	checkNULRefused(t, err, "header name")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = p.ProduceSync(ctx, "real\x00ignored", []byte("x"), nil)
	checkNULRefused(t, err, "topic")

	ids, err := p.ProduceBatch([]Record{{Topic: "real\x00ignored", Value: []byte("x")}})
	checkNULRefused(t, err, "topic")
	if len(ids) != 0 {
		t.Fatalf("ids %v, want none", ids)
	}
}

func TestProduceBatchStopsAtTheRecordWithNUL(t *testing.T) {
	topic := newTopic(t, 1)
	p := newProducer(t, map[string]string{"bootstrap.servers": brokers(t)})
	ids, err := p.ProduceBatch([]Record{
		{Topic: topic, Value: []byte("a")},
		{Topic: topic, Value: []byte("b"), ProduceOptions: ProduceOptions{Headers: []Header{{Name: "h\x00", Value: nil}}}},
		{Topic: topic, Value: []byte("c")},
	})
	checkNULRefused(t, err, "header name")
	if len(ids) != 1 {
		t.Fatalf("ids %v, want the first record's only", ids)
	}
	flushOK(t, p)
}

func TestNULInConfigAndConsumerArgumentsIsRefused(t *testing.T) {
	_, err := NewConfig(map[string]string{"transactional.id": "tx\x00other"})
	checkNULRefused(t, err, "config value")
	cfg := mustConfig(t, nil)
	checkNULRefused(t, cfg.Set("group.id\x00x", "g"), "config key")
	_, err = cfg.Get("linger.ms\x00")
	checkNULRefused(t, err, "config key")

	c := newConsumer(t, map[string]string{"bootstrap.servers": cluster(t), "group.id": "go-nul"})
	checkNULRefused(t, c.Subscribe("real\x00ignored"), "topic")
	checkNULRefused(t, c.Assign(TopicPartition{Topic: "real\x00ignored"}), "topic")
	checkNULRefused(t, c.Seek("real\x00ignored", 0, 0, time.Second), "topic")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = c.Watermarks(ctx, "real\x00ignored", 0)
	checkNULRefused(t, err, "topic")
}

func TestNULInAdminArgumentsIsRefused(t *testing.T) {
	// Refused before any request, so a mock cluster (which cannot create topics) will do.
	a, err := NewAdmin(mustConfig(t, map[string]string{"bootstrap.servers": cluster(t)}))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	checkNULRefused(t, a.CreateTopic(ctx, "real\x00ignored", 1, 1, nil), "topic")
	checkNULRefused(t, a.CreateTopic(ctx, "t", 1, 1, map[string]string{"retention.ms": "1\x002"}), "topic config value")
	checkNULRefused(t, a.DeleteTopic(ctx, "real\x00ignored"), "topic")
}
