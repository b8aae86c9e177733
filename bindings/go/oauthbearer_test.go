package kafkabridge

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// saslBrokers is the broker's SASL_PLAINTEXT listener (it accepts unsigned OAUTHBEARER tokens
// whose scope includes "required-scope"): KAFKA_SASL_BROKERS, else the PLAINTEXT port + 2.
func saslBrokers(t *testing.T) string {
	b := brokers(t)
	if s := os.Getenv("KAFKA_SASL_BROKERS"); s != "" {
		return s
	}
	i := strings.LastIndexByte(b, ':')
	port, _ := strconv.Atoi(b[i+1:])
	return fmt.Sprintf("%s:%d", b[:i], port+2)
}

func unsignedToken(scope string, lifetime time.Duration) OAuthBearerToken {
	now := time.Now()
	exp := now.Add(lifetime)
	claims := fmt.Sprintf(`{"sub":"admin","iat":%d,"exp":%d,"scope":%q}`, now.Unix()-10, exp.Unix(), scope)
	return OAuthBearerToken{
		Value:     "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".",
		Expiry:    time.UnixMilli(exp.Unix() * 1000),
		Principal: "admin",
	}
}

func oauthProducer(t *testing.T) *Producer {
	p, err := NewProducer(mustConfig(t, map[string]string{
		"bootstrap.servers": saslBrokers(t), "security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.config": "principal=admin",
		"bridge.close.timeout.ms": "1000",
	}))
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// awaitKind polls until an event of kind arrives (bounded).
func awaitKind(t *testing.T, p *Producer, kind EventKind) (Event, bool) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		events, err := p.PollEvents(50*time.Millisecond, 100)
		if err != nil {
			t.Fatalf("PollEvents: %v", err)
		}
		for _, e := range events {
			if e.Kind == kind {
				return e, true
			}
		}
	}
	return Event{}, false
}

func TestOAuthBearerTokenFromGoDelivers(t *testing.T) {
	topic := newTopic(t, 1)
	p := oauthProducer(t)
	refresh, ok := awaitKind(t, p, EventOAuthBearerTokenRefresh)
	if !ok || refresh.Text != "principal=admin" {
		t.Fatalf("no refresh event with the config (got %v %+v)", ok, refresh)
	}
	tok := unsignedToken("required-scope", time.Minute)
	tok.Extensions = map[string]string{"traceId": "kb-go"}
	if err := p.SetOAuthBearerToken(tok); err != nil {
		t.Fatalf("SetOAuthBearerToken: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d, err := p.ProduceSync(ctx, topic, []byte("bearer"), nil, Partition(0))
	if err != nil || d.Offset != 0 {
		t.Fatalf("ProduceSync over OAUTHBEARER: %+v %v", d, err)
	}
}

func TestOAuthBearerFailureIsQueuedAndBadTokensAreRefused(t *testing.T) {
	p := oauthProducer(t)
	if _, ok := awaitKind(t, p, EventOAuthBearerTokenRefresh); !ok {
		t.Fatal("no refresh event")
	}
	if err := p.SetOAuthBearerTokenFailure("no token in this test"); err != nil {
		t.Fatalf("SetOAuthBearerTokenFailure: %v", err)
	}
	events, err := p.PollEvents(0, 100)
	if err != nil {
		t.Fatalf("PollEvents: %v", err)
	}
	found := 0
	for _, e := range events {
		if e.Kind == EventError && e.Text == "Failed to acquire SASL OAUTHBEARER token: no token in this test" {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("the failure is queued once when the call returns: found %d in %+v", found, events)
	}
	var kbErr *Error
	err = p.SetOAuthBearerToken(unsignedToken("required-scope", -time.Minute))
	if !errors.As(err, &kbErr) || kbErr.Code != -186 {
		t.Fatalf("an expired token: got %v, want code -186", err)
	}
}
