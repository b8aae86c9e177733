package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import (
	"fmt"
	"strings"
)

// Error is a kafkabridge / librdkafka error: Code is librdkafka's rd_kafka_resp_err_t
// number or one of kafkabridge's own (-1001..-1099); Name is its symbolic name
// (for example "_TIMED_OUT"); Message is the detailed message of the failed call.
type Error struct {
	Code    int32
	Name    string
	Message string

	// flags are the KB_ERROR_FLAG_* bits of kb_last_error_flags(), read on the thread of
	// the failed call (for transactions librdkafka's own verdict); hasFlags is false for
	// errors that did not come from a call (events, messages, sentinels, literals), whose
	// Retriable and Fatal then follow the code.
	flags    uint32
	hasFlags bool
}

// The KB_ERROR_FLAG_* bits of kafkabridge.h.
const (
	flagRetriable        = C.KB_ERROR_FLAG_RETRIABLE
	flagFatal            = C.KB_ERROR_FLAG_FATAL
	flagTxnRequiresAbort = C.KB_ERROR_FLAG_TXN_REQUIRES_ABORT
)

func newError(code int32, msg string) *Error {
	name := C.GoString(C.kb_err_name(C.kb_err(code)))
	if msg == "" {
		msg = C.GoString(C.kb_err_description(C.kb_err(code)))
	}
	return &Error{Code: code, Name: name, Message: msg}
}

// newCallError is the error of a failed call: msg and flags are kb_last_error() and
// kb_last_error_flags(), read on the OS thread that made the call.
func newCallError(code int32, msg string, flags uint32) *Error {
	e := newError(code, msg)
	e.flags, e.hasFlags = flags, true
	return e
}

// invalidCString refuses s, the argument named what, when it holds a NUL byte: C would end
// the string there and the library would silently use the part before it (another topic,
// a shorter id). nil when s is fine.
func invalidCString(what, s string) error {
	if strings.IndexByte(s, 0) < 0 {
		return nil
	}
	return newError(-1006, fmt.Sprintf("%s %q contains a NUL byte, which cannot be passed in a C string", what, s))
}

func (e *Error) Error() string {
	return fmt.Sprintf("kafkabridge: %s (%d): %s", e.Name, e.Code, e.Message)
}

// Is reports whether target is an *Error with the same Code, so
// errors.Is(err, kafkabridge.ErrTimedOut) works for any message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Retriable reports whether retrying the same call later may succeed.
func (e *Error) Retriable() bool {
	if e.hasFlags {
		return e.flags&flagRetriable != 0
	}
	return C.kb_err_is_retriable(C.kb_err(e.Code)) != 0
}

// Fatal reports whether the client that reported the error must be recreated.
func (e *Error) Fatal() bool {
	if e.hasFlags {
		return e.flags&flagFatal != 0
	}
	return C.kb_err_is_fatal(C.kb_err(e.Code)) != 0
}

// TxnRequiresAbort reports whether the current transaction cannot commit: call
// AbortTransaction, then begin a new one. Only errors of a transactional call have it.
func (e *Error) TxnRequiresAbort() bool { return e.hasFlags && e.flags&flagTxnRequiresAbort != 0 }

func sentinel(code int32) *Error { return newError(code, "") }

// Sentinel errors for errors.Is; they match any *Error with the same Code.
var (
	ErrNullArgument    = sentinel(kbErrNullArgument)
	ErrInvalidHandle   = sentinel(kbErrInvalidHandle)
	ErrBadUTF8         = sentinel(kbErrBadUTF8)
	ErrConfigConflict  = sentinel(kbErrConfigConflict)
	ErrPanic           = sentinel(kbErrPanic)
	ErrInvalidArgument = sentinel(kbErrInvalidArgument)
	ErrInvalidState    = sentinel(kbErrInvalidState)
	ErrEventQueueFull  = sentinel(kbErrEventQueueFull)
	ErrUnknownConfig   = sentinel(kbErrUnknownConfig)

	ErrTimedOut          = sentinel(rdKafkaRespErrTimedOut)
	ErrInvalidArg        = sentinel(rdKafkaRespErrInvalidArg)
	ErrQueueFull         = sentinel(rdKafkaRespErrQueueFull)
	ErrMsgTimedOut       = sentinel(rdKafkaRespErrMsgTimedOut)
	ErrPartitionEOF      = sentinel(rdKafkaRespErrPartitionEOF)
	ErrUnknownPartition  = sentinel(rdKafkaRespErrUnknownPartition)
	ErrTransport         = sentinel(rdKafkaRespErrTransport)
	ErrState             = sentinel(rdKafkaRespErrState)
	ErrNoOffset          = sentinel(rdKafkaRespErrNoOffset)
	ErrNoEnt             = sentinel(rdKafkaRespErrNoent)
	ErrUnknownTopic      = sentinel(rdKafkaRespErrUnknownTopicOrPart)
	ErrTopicAlreadyExist = sentinel(rdKafkaRespErrTopicAlreadyExists)
)

func closedError(what string) error {
	return &Error{Code: kbErrInvalidHandle, Name: "KB_ERR_INVALID_HANDLE", Message: what + " is closed"}
}
