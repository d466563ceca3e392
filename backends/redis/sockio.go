package redis

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/herd-go/herd/messages"
)

// sockIO is the socket as redigo sees it. It marks every error the socket
// returns as a sockError, so that anything else redigo returns from
// Receive is known to come from redigo's own parser: redigo's protocol
// errors have an unexported type and cannot be matched directly. It also
// ignores redigo's deadlines: with a zero timeout redigo still clears the
// read deadline before each Receive, which would undo herd's. Every byte
// read passes its guard, which refuses replies that would make redigo
// allocate without bound.
type sockIO struct {
	net.Conn
	g *guard
}

// sockError is an error from the socket itself.
type sockError struct {
	err error
}

func (e sockError) Error() string { return e.err.Error() }
func (e sockError) Unwrap() error { return e.err }

// Read reads from the socket and hands on what the guard lets pass. Once
// the guard has refused, the socket is not read again: the stream is out
// of step and the connection will be closed.
func (s sockIO) Read(p []byte) (int, error) {
	if s.g.err != nil {
		return 0, s.g.err
	}
	n, err := s.Conn.Read(p)
	if k, gerr := s.g.scan(p[:n]); gerr != nil {
		return k, gerr
	}
	if err != nil {
		err = sockError{err}
	}
	return n, err
}

func (s sockIO) Write(p []byte) (int, error) {
	n, err := s.Conn.Write(p)
	if err != nil {
		err = sockError{err}
	}
	return n, err
}

// SetReadDeadline does nothing: herd sets deadlines on the socket itself.
func (sockIO) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing, for the same reason.
func (sockIO) SetWriteDeadline(time.Time) error { return nil }

// classify sorts an error from redigo's Send, Flush or Receive that is not
// a redis error reply. Each one leaves the connection out of step. An error
// that is not the socket's came from redigo's parser or from the guard.
func classify(err error) error {
	var se sockError
	switch {
	case !errors.As(err, &se):
		return fmt.Errorf("%w: %w", messages.ErrProtocol, err)
	case isTimeout(se.err):
		return fmt.Errorf("%w: %w", messages.ErrTimeout, se.err)
	}
	return fmt.Errorf("%w: %w", messages.ErrConnection, se.err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
