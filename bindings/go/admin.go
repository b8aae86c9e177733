package kafkabridge

/*
#include <stdlib.h>
#include <kafkabridge.h>
*/
import "C"

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"time"
	"unsafe"
)

// Admin manages topics.
type Admin struct {
	mu sync.Mutex
	h  *C.kb_admin
}

// NewAdmin creates an admin client (cfg nil means defaults).
func NewAdmin(cfg *Config) (*Admin, error) {
	var h *C.kb_admin
	err := cfg.with(func(c *C.kb_config) error {
		return call(func() C.kb_err { return C.kb_admin_new(c, &h) })
	})
	if err != nil {
		return nil, err
	}
	a := &Admin{h: h}
	setFinalizer(a, "admin", (*Admin).Close)
	return a, nil
}

func (a *Admin) handle() (*C.kb_admin, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.h == nil {
		return nil, closedError("admin")
	}
	return a.h, nil
}

// CreateTopic creates topic with partitions and replicationFactor (-1: broker
// defaults) and topic configs, waiting until ctx's deadline (default 30s).
// Errors: ErrTopicAlreadyExist, ErrTimedOut, ...
func (a *Admin) CreateTopic(ctx context.Context, topic string, partitions, replicationFactor int32, configs map[string]string) error {
	h, err := a.handle()
	defer runtime.KeepAlive(a) // the finalizer must not free h during the call
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var ar arena
	defer ar.free()
	t := ar.str("topic", topic)
	keys := make([]string, 0, len(configs))
	for k := range configs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var names, values **C.char
	if len(keys) > 0 {
		ptrSize := int(unsafe.Sizeof((*C.char)(nil)))
		names = (**C.char)(ar.alloc(ptrSize * len(keys)))
		values = (**C.char)(ar.alloc(ptrSize * len(keys)))
		ns, vs := unsafe.Slice(names, len(keys)), unsafe.Slice(values, len(keys))
		for i, k := range keys {
			ns[i], vs[i] = ar.str("topic config key", k), ar.str("topic config value", configs[k])
		}
	}
	ms := durationMs(ctxTimeout(ctx, 30*time.Second))
	return ar.call(func() C.kb_err {
		return C.kb_admin_create_topic(h, t, C.int32_t(partitions), C.int32_t(replicationFactor),
			names, values, C.size_t(len(keys)), ms)
	})
}

// DeleteTopic deletes topic, waiting until ctx's deadline (default 30s).
func (a *Admin) DeleteTopic(ctx context.Context, topic string) error {
	h, err := a.handle()
	defer runtime.KeepAlive(a) // the finalizer must not free h during the call
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var ar arena
	defer ar.free()
	t := ar.str("topic", topic)
	ms := durationMs(ctxTimeout(ctx, 30*time.Second))
	return ar.call(func() C.kb_err { return C.kb_admin_delete_topic(h, t, ms) })
}

// Close frees the admin client. Closing twice is a no-op.
func (a *Admin) Close() error {
	runtime.SetFinalizer(a, nil)
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.h
	a.h = nil
	if h == nil {
		return nil
	}
	return call(func() C.kb_err { return C.kb_admin_free(h) })
}

// MockCluster is an in-process mock Kafka cluster for tests (no broker needed).
type MockCluster struct {
	mu sync.Mutex
	h  *C.kb_mock_cluster
}

// NewMockCluster starts a mock cluster of brokers (1..16) on 127.0.0.1.
// Topics are auto-created on first use.
func NewMockCluster(brokers int) (*MockCluster, error) {
	var h *C.kb_mock_cluster
	if err := call(func() C.kb_err { return C.kb_mock_cluster_new(C.int32_t(brokers), &h) }); err != nil {
		return nil, err
	}
	return &MockCluster{h: h}, nil
}

// BootstrapServers returns the value for "bootstrap.servers".
func (m *MockCluster) BootstrapServers() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.h == nil {
		return "", closedError("mock cluster")
	}
	size := 256
	for {
		buf := C.malloc(C.size_t(size))
		var n C.size_t
		err := call(func() C.kb_err {
			return C.kb_mock_cluster_bootstrap_servers(m.h, (*C.char)(buf), C.size_t(size), &n)
		})
		if err == nil && int(n) < size {
			s := C.GoStringN((*C.char)(buf), C.int(n))
			C.free(buf)
			return s, nil
		}
		C.free(buf)
		if err != nil {
			return "", err
		}
		size = int(n) + 1
	}
}

// Close stops the cluster. Closing twice is a no-op.
func (m *MockCluster) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.h
	m.h = nil
	if h == nil {
		return nil
	}
	return call(func() C.kb_err { return C.kb_mock_cluster_free(h) })
}
