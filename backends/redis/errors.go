package redis

import (
	"fmt"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// ServerError is an error reply from redis, such as "WRONGTYPE Operation
// against a key holding the wrong kind of value". It wraps
// messages.ErrServer. The reply ended cleanly, so the connection is still
// in step: it arrives in a Reply's Err, or as an element of a Do's Result
// when redis nests it in an array (as EXEC does).
type ServerError struct {
	// Text is redis's line as sent, without the leading '-' and the
	// "\r\n", such as "ERR unknown command 'NOSUCH'".
	Text string
}

// Error returns redis's text behind herd's prefix.
func (e *ServerError) Error() string { return messages.ErrServer.Error() + ": " + e.Text }

// Unwrap returns messages.ErrServer.
func (e *ServerError) Unwrap() error { return messages.ErrServer }

// protocolError reports a reply that broke RESP or one of herd's bounds:
// the connection is out of step and must be closed.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: redis: "+format, append([]any{messages.ErrProtocol}, args...)...)
}

// ioError classifies a failure of the socket during op (see
// backends.IOError).
func ioError(op string, err error) error { return backends.IOError("redis", op, err) }
