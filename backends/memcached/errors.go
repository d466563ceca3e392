package memcached

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
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

// clipLen is how much of a key or a reply line an error message quotes.
const clipLen = 32

// clip shortens s for quoting in an error message.
func clip[S ~string | ~[]byte](s S) string {
	if len(s) <= clipLen {
		return string(s)
	}
	return string(s[:clipLen]) + "..."
}

// protocolError reports a reply that broke the protocol: the connection is
// out of step and must be closed.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: memcached: "+format, append([]any{messages.ErrProtocol}, args...)...)
}

// ioError classifies a failure of the network connection during op: a
// timeout wraps messages.ErrTimeout, a TLS alert from the server
// messages.ErrTLS, anything else messages.ErrConnection. All mean the
// connection must be closed.
func ioError(op string, err error) error {
	if isTimeout(err) {
		return fmt.Errorf("%w: memcached %s: %w", messages.ErrTimeout, op, err)
	}
	if backends.RefusedTLS(err) {
		return fmt.Errorf("%w: memcached %s: %w", messages.ErrTLS, op, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: memcached %s: connection closed by server: %w",
			messages.ErrConnection, op, err)
	}
	return fmt.Errorf("%w: memcached %s: %w", messages.ErrConnection, op, err)
}

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
