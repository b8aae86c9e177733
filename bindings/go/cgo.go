// Package kafkabridge is a Go binding for kafkabridge, persistent Kafka clients
// (librdkafka inside) behind a small C ABI. librdkafka never calls into Go:
// delivery reports, errors, logs and rebalances are drained with poll calls.
package kafkabridge

/*
#cgo pkg-config: kafkabridge
#include <stdlib.h>
#include <string.h>
#include <kafkabridge.h>

static const uint8_t kbg_empty_byte = 0;
static const uint8_t *kbg_empty(void) { return &kbg_empty_byte; }
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// cEmpty is a non-NULL pointer for empty data (length 0): NULL would mean "absent".
var cEmpty = C.kbg_empty()

// call runs f on a locked OS thread so that kb_last_error and kb_last_error_flags
// (thread-local in the library) are read on the thread that failed. The produce
// calls, which are hot, use the kbg_* wrappers instead.
func call(f func() C.kb_err) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rc := f()
	if rc == 0 {
		return nil
	}
	return newCallError(int32(rc), lastError(), uint32(C.kb_last_error_flags()))
}

func lastError() string {
	var buf [512]C.char
	n := C.kb_last_error(&buf[0], C.size_t(len(buf)))
	if int(n) < len(buf) {
		return C.GoStringN(&buf[0], C.int(n))
	}
	big := make([]byte, int(n)+1)
	n = C.kb_last_error((*C.char)(unsafe.Pointer(&big[0])), C.size_t(len(big)))
	return string(big[:int(n)])
}

// goData passes Go bytes to C for the duration of one call, without a copy: the library
// copies what it keeps before returning, and []byte holds no Go pointers, so cgo's
// rules allow it. nil stays NULL; empty becomes a non-NULL pointer with length 0.
func goData(b []byte) (*C.uint8_t, C.size_t) {
	if b == nil {
		return nil, 0
	}
	if len(b) == 0 {
		return cEmpty, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// arena owns C allocations made to pass Go data to the library; free() releases them all.
// err is the first argument refused while building (see str); call returns it instead of
// calling the library.
type arena struct {
	ptrs []unsafe.Pointer
	err  error
}

// call is the package's call, unless an argument built in the arena was refused.
func (a *arena) call(f func() C.kb_err) error {
	if a.err != nil {
		return a.err
	}
	return call(f)
}

// refuse records err as the arena's refusal unless one is already recorded.
func (a *arena) refuse(err error) {
	if a.err == nil {
		a.err = err
	}
}

func (a *arena) alloc(n int) unsafe.Pointer {
	if n <= 0 {
		n = 1
	}
	p := C.malloc(C.size_t(n))
	if p == nil {
		panic("kafkabridge: out of C memory")
	}
	a.ptrs = append(a.ptrs, p)
	return p
}

// str copies s, the argument named what, into C memory as a NUL-terminated string. A
// string holding a NUL byte is refused (recorded in a.err, see invalidCString).
func (a *arena) str(what, s string) *C.char {
	if err := invalidCString(what, s); err != nil {
		a.refuse(err)
	}
	p := a.alloc(len(s) + 1)
	b := unsafe.Slice((*byte)(p), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return (*C.char)(p)
}

// bytes copies b into C memory: nil stays NULL, empty becomes a non-NULL pointer with length 0.
func (a *arena) bytes(b []byte) (*C.uint8_t, C.size_t) {
	if b == nil {
		return nil, 0
	}
	if len(b) == 0 {
		return cEmpty, 0
	}
	p := a.alloc(len(b))
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return (*C.uint8_t)(p), C.size_t(len(b))
}

func (a *arena) headers(hs []Header) (*C.kb_header, C.size_t) {
	if len(hs) == 0 {
		return nil, 0
	}
	p := (*C.kb_header)(a.alloc(int(unsafe.Sizeof(C.kb_header{})) * len(hs)))
	arr := unsafe.Slice(p, len(hs))
	for i, h := range hs {
		arr[i].name = a.str("header name", h.Name)
		arr[i].value, arr[i].value_len = a.bytes(h.Value)
	}
	return p, C.size_t(len(hs))
}

func (a *arena) partitions(tps []TopicPartition) (*C.kb_topic_partition, C.size_t) {
	if len(tps) == 0 {
		return nil, 0
	}
	p := (*C.kb_topic_partition)(a.alloc(int(unsafe.Sizeof(C.kb_topic_partition{})) * len(tps)))
	arr := unsafe.Slice(p, len(tps))
	for i, tp := range tps {
		arr[i] = C.kb_topic_partition{}
		arr[i].topic = a.str("topic", tp.Topic)
		arr[i].partition = C.int32_t(tp.Partition)
		arr[i].offset = C.int64_t(tp.Offset)
		arr[i].metadata, arr[i].metadata_len = a.bytes(tp.Metadata)
	}
	return p, C.size_t(len(tps))
}

func (a *arena) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

// goBytes copies C bytes out: NULL gives nil, a non-NULL empty value gives []byte{}.
func goBytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil {
		return nil
	}
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

func goPartitions(p *C.kb_topic_partition, n C.size_t) []TopicPartition {
	if p == nil || n == 0 {
		return nil
	}
	arr := unsafe.Slice(p, int(n))
	out := make([]TopicPartition, len(arr))
	for i, tp := range arr {
		out[i] = TopicPartition{
			Topic:     goString(tp.topic),
			Partition: int32(tp.partition),
			Offset:    int64(tp.offset),
			Metadata:  goBytes(tp.metadata, tp.metadata_len),
		}
		if tp.err != 0 {
			out[i].Err = newError(int32(tp.err), "")
		}
	}
	return out
}

// Version returns kafkabridge's version.
func Version() string { return C.GoString(C.kb_version()) }

// LibrdkafkaVersion returns the version of the librdkafka built into kafkabridge.
func LibrdkafkaVersion() string { return C.GoString(C.kb_librdkafka_version()) }

// Shutdown flushes and drops every persistent producer client.
func Shutdown() error { return call(func() C.kb_err { return C.kb_shutdown() }) }
