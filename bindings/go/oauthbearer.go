package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"time"
	"unsafe"
)

// OAuthBearerToken is a SASL/OAUTHBEARER token made by the application.
//
// With sasl.mechanism=OAUTHBEARER (and neither sasl.oauthbearer.method=oidc nor librdkafka's
// unsecured test tokens) a client asks for a token with an EventOAuthBearerTokenRefresh among
// its events (Text is sasl.oauthbearer.config): when it is created, at 80% of the remaining
// lifetime of the token last set, and 10 seconds after a failure; not again until answered.
// Answer with SetOAuthBearerToken or SetOAuthBearerTokenFailure, at any time.
type OAuthBearerToken struct {
	Value      string
	Expiry     time.Time // when the token expires
	Principal  string
	Extensions map[string]string // SASL extensions
}

// extensions copies the extensions as C strings, names and values in turn.
func (a *arena) extensions(ext map[string]string) (**C.char, C.size_t) {
	if len(ext) == 0 {
		return nil, 0
	}
	n := 2 * len(ext)
	p := (**C.char)(a.alloc(int(unsafe.Sizeof((*C.char)(nil))) * n))
	arr := unsafe.Slice(p, n)
	i := 0
	for k, v := range ext {
		arr[i], arr[i+1] = a.str("OAUTHBEARER extension name", k), a.str("OAUTHBEARER extension value", v)
		i += 2
	}
	return p, C.size_t(n)
}

// setToken calls kb_producer_oauthbearer_set_token or the consumer's (set) with the token's
// arguments built in one arena.
func setToken(t OAuthBearerToken, set func(value *C.char, expiryMs C.int64_t, principal *C.char, ext **C.char, n C.size_t) C.kb_err) error {
	var a arena
	defer a.free()
	value, principal := a.str("token", t.Value), a.str("principal", t.Principal)
	ext, n := a.extensions(t.Extensions)
	return a.call(func() C.kb_err { return set(value, C.int64_t(t.Expiry.UnixMilli()), principal, ext, n) })
}

// tokenFailure calls kb_producer_oauthbearer_set_token_failure or the consumer's (fail).
func tokenFailure(reason string, fail func(reason *C.char) C.kb_err) error {
	var a arena
	defer a.free()
	r := a.str("reason", reason)
	return a.call(func() C.kb_err { return fail(r) })
}

// SetOAuthBearerToken hands the producer its token. Errors: code -186 (invalid argument) for
// an expired token or a bad extension, -172 (state) without OAUTHBEARER.
func (p *Producer) SetOAuthBearerToken(t OAuthBearerToken) error {
	return p.use(func(h *C.kb_producer) error {
		return setToken(t, func(v *C.char, e C.int64_t, pr *C.char, x **C.char, n C.size_t) C.kb_err {
			return C.kb_producer_oauthbearer_set_token(h, v, e, pr, x, n)
		})
	})
}

// SetOAuthBearerTokenFailure tells the producer no token could be had: an EventError with
// code -169 (authentication) is queued at once, and the producer asks again 10 s later.
func (p *Producer) SetOAuthBearerTokenFailure(reason string) error {
	return p.use(func(h *C.kb_producer) error {
		return tokenFailure(reason, func(r *C.char) C.kb_err { return C.kb_producer_oauthbearer_set_token_failure(h, r) })
	})
}

// SetOAuthBearerToken hands the consumer its token (see the Producer's).
func (c *Consumer) SetOAuthBearerToken(t OAuthBearerToken) error {
	return c.use(func(h *C.kb_consumer) error {
		return setToken(t, func(v *C.char, e C.int64_t, pr *C.char, x **C.char, n C.size_t) C.kb_err {
			return C.kb_consumer_oauthbearer_set_token(h, v, e, pr, x, n)
		})
	})
}

// SetOAuthBearerTokenFailure tells the consumer no token could be had (see the Producer's).
func (c *Consumer) SetOAuthBearerTokenFailure(reason string) error {
	return c.use(func(h *C.kb_consumer) error {
		return tokenFailure(reason, func(r *C.char) C.kb_err { return C.kb_consumer_oauthbearer_set_token_failure(h, r) })
	})
}
