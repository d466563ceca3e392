package backends

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/herd-go/herd/messages"
)

// IOError classifies a failure of a backend's socket during op, for the
// protocol named proto: a deadline passing wraps messages.ErrTimeout, a TLS
// alert from the server messages.ErrTLS, anything else, the server closing
// the connection included, messages.ErrConnection. Each means the
// connection must be closed.
func IOError(proto, op string, err error) error {
	switch {
	case IsTimeout(err):
		return fmt.Errorf("%w: %s %s: %w", messages.ErrTimeout, proto, op, err)
	case RefusedTLS(err):
		return fmt.Errorf("%w: %s %s: %w", messages.ErrTLS, proto, op, err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s %s: connection closed by server: %w",
			messages.ErrConnection, proto, op, err)
	}
	return fmt.Errorf("%w: %s %s: %w", messages.ErrConnection, proto, op, err)
}

// IsTimeout reports whether err is a deadline passing.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// clipLen is how much of a key, a command or a reply an error message
// quotes.
const clipLen = 32

// Clip shortens s for quoting in an error message: a reply from a broken or
// hostile server may be of any length.
func Clip[S ~string | ~[]byte](s S) string {
	if len(s) <= clipLen {
		return string(s)
	}
	return string(s[:clipLen]) + "..."
}
