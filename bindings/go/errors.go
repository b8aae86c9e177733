package kafkabridge

/*
#include <kafkabridge.h>
*/
import "C"

import "fmt"

// Error is a kafkabridge / librdkafka error: Code is librdkafka's rd_kafka_resp_err_t
// number or one of kafkabridge's own (-1001..-1099); Name is its symbolic name
// (for example "_TIMED_OUT"); Message is the detailed message of the failed call.
type Error struct {
	Code    int32
	Name    string
	Message string
}

func newError(code int32, msg string) *Error {
	name := C.GoString(C.kb_err_name(C.kb_err(code)))
	if msg == "" {
		msg = C.GoString(C.kb_err_description(C.kb_err(code)))
	}
	return &Error{Code: code, Name: name, Message: msg}
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
func (e *Error) Retriable() bool { return C.kb_err_is_retriable(C.kb_err(e.Code)) != 0 }

// Fatal reports whether the client that reported the error must be recreated.
func (e *Error) Fatal() bool { return C.kb_err_is_fatal(C.kb_err(e.Code)) != 0 }

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
