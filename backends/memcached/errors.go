package memcached

import (
	"fmt"
	"strings"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// ServerError is a SERVER_ERROR or CLIENT_ERROR line that memcached sent in
// place of a reply. It wraps messages.ErrServer. It arrives in a Reply's
// Err: the line ended cleanly, so the connection is still in step.
type ServerError struct {
	// Line is the server's line as sent, without its "\r\n", such as
	// "SERVER_ERROR out of memory storing object".
	Line string
}

// Error returns the server's line behind herd's prefix.
func (e *ServerError) Error() string { return "herd: memcached: " + e.Line }

// Unwrap returns messages.ErrServer, and messages.ErrValueTooLarge as well
// when the server refused an item as too large for it.
func (e *ServerError) Unwrap() []error {
	if strings.Contains(e.Line, "too large") {
		return []error{messages.ErrServer, messages.ErrValueTooLarge}
	}
	return []error{messages.ErrServer}
}

// protocolError reports a reply that broke the protocol: the connection is
// out of step and must be closed.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: memcached: "+format, append([]any{messages.ErrProtocol}, args...)...)
}

// ioError classifies a failure of the socket during op (see
// backends.IOError).
func ioError(op string, err error) error { return backends.IOError("memcached", op, err) }
