package kafkabridge

/*
#include <stdlib.h>
#include <kafkabridge.h>
*/
import "C"

import (
	"runtime"
	"sort"
	"sync"
)

// Config holds librdkafka properties and kafkabridge's bridge.* keys. Clients
// copy it when created, so it may be closed (or reused) afterwards.
type Config struct {
	mu sync.Mutex
	h  *C.kb_config
}

// NewConfig creates a configuration with the given properties (set in key order).
func NewConfig(props map[string]string) (*Config, error) {
	var h *C.kb_config
	if err := call(func() C.kb_err { return C.kb_config_new(&h) }); err != nil {
		return nil, err
	}
	c := &Config{h: h}
	setFinalizer(c, "config", (*Config).Close)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := c.Set(k, props[k]); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Set sets a property. Unknown keys give ErrUnknownConfig, bad values ErrInvalidArg.
func (c *Config) Set(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return closedError("config")
	}
	var a arena
	defer a.free()
	k, v := a.str("config key", key), a.str("config value of "+key, value)
	return a.call(func() C.kb_err { return C.kb_config_set(c.h, k, v) })
}

// Get returns a property's value (as set, else librdkafka's default).
// Unknown keys give ErrNoEnt.
func (c *Config) Get(key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return "", closedError("config")
	}
	var a arena
	defer a.free()
	k := a.str("config key", key)
	size := 256
	for {
		buf := (*C.char)(a.alloc(size))
		var n C.size_t
		if err := a.call(func() C.kb_err { return C.kb_config_get(c.h, k, buf, C.size_t(size), &n) }); err != nil {
			return "", err
		}
		if int(n) < size {
			return C.GoStringN(buf, C.int(n)), nil
		}
		size = int(n) + 1
	}
}

// Dump returns the properties that were set as "key=value\n" lines, secrets redacted.
func (c *Config) Dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return ""
	}
	n := C.kb_config_dump(c.h, nil, 0)
	buf := C.malloc(n + 1)
	defer C.free(buf)
	n = C.kb_config_dump(c.h, (*C.char)(buf), n+1)
	return C.GoStringN((*C.char)(buf), C.int(n))
}

// Close frees the configuration. Closing twice is a no-op.
func (c *Config) Close() error {
	runtime.SetFinalizer(c, nil)
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.h
	c.h = nil
	if h == nil {
		return nil
	}
	return call(func() C.kb_err { return C.kb_config_free(h) })
}

// with runs f with the C handle under the lock (a nil *Config passes NULL: defaults).
func (c *Config) with(f func(*C.kb_config) error) error {
	if c == nil {
		return f(nil)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return closedError("config")
	}
	return f(c.h)
}
