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
	ErrNullArgument    = sentinel(-1001)
	ErrInvalidHandle   = sentinel(-1002)
	ErrBadUTF8         = sentinel(-1003)
	ErrConfigConflict  = sentinel(-1004)
	ErrPanic           = sentinel(-1005)
	ErrInvalidArgument = sentinel(-1006)
	ErrInvalidState    = sentinel(-1007)
	ErrEventQueueFull  = sentinel(-1008)
	ErrUnknownConfig   = sentinel(-1009)

	ErrTimedOut          = sentinel(-185) // RD_KAFKA_RESP_ERR__TIMED_OUT
	ErrInvalidArg        = sentinel(-186) // RD_KAFKA_RESP_ERR__INVALID_ARG
	ErrQueueFull         = sentinel(-184) // RD_KAFKA_RESP_ERR__QUEUE_FULL
	ErrMsgTimedOut       = sentinel(-192) // RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
	ErrPartitionEOF      = sentinel(-191) // RD_KAFKA_RESP_ERR__PARTITION_EOF
	ErrUnknownPartition  = sentinel(-190) // RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION
	ErrTransport         = sentinel(-195) // RD_KAFKA_RESP_ERR__TRANSPORT
	ErrState             = sentinel(-172) // RD_KAFKA_RESP_ERR__STATE
	ErrNoOffset          = sentinel(-168) // RD_KAFKA_RESP_ERR__NO_OFFSET
	ErrNoEnt             = sentinel(-156) // RD_KAFKA_RESP_ERR__NOENT
	ErrUnknownTopic      = sentinel(3)    // RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
	ErrTopicAlreadyExist = sentinel(36)   // RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
)

func closedError(what string) error {
	return &Error{Code: -1002, Name: "KB_ERR_INVALID_HANDLE", Message: what + " is closed"}
}
