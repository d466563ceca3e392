package redis

import (
	"errors"
	"net"
	"sync"
	"time"

	redigo "github.com/gomodule/redigo/redis"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// conn is one connection to one redis node. redigo encodes commands and
// parses replies; conn decides what each reply means and whether the
// connection is still in step.
type conn struct {
	opts *Options
	nc   net.Conn    // the socket; herd's deadlines are set on it
	rc   redigo.Conn // redigo's view of the socket, through sockIO
	g    *guard      // the guard every byte redigo reads has passed
	once sync.Once   // Close closes nc once
	err  error       // the result of that Close

	received uint64 // replies redigo's Receive has returned whole
}

var (
	_ backends.Conn     = (*conn)(nil)
	_ backends.Buffered = (*conn)(nil)
)

// newConn wraps an open socket. redigo gets zero timeouts and a socket
// whose SetReadDeadline does nothing, so that the deadline herd sets with
// SetDeadline is the only one. The socket's guard bounds replies by the
// resolved opts.MaxValueSize.
func newConn(opts *Options, nc net.Conn) *conn {
	g := newGuard(opts.MaxValueSize)
	rc := redigo.NewConn(sockIO{Conn: nc, g: g}, 0, 0)
	return &conn{opts: opts, nc: nc, rc: rc, g: g}
}

// Write checks req and buffers its commands. A request that fails the
// check is refused before anything is buffered.
func (c *conn) Write(req messages.Request) error {
	if err := c.opts.check(req); err != nil {
		return err
	}
	for _, cmd := range commandsFor(req) {
		if err := c.rc.Send(cmd.name, cmd.args...); err != nil {
			return classify(err)
		}
	}
	return nil
}

// Flush sends everything buffered.
func (c *conn) Flush() error {
	if err := c.rc.Flush(); err != nil {
		return classify(err)
	}
	return nil
}

// Read receives the replies to req's commands, all of them even if one is
// a redis error reply, so that the next Read starts at the next request.
func (c *conn) Read(req messages.Request) (*messages.Reply, error) {
	if err := c.opts.check(req); err != nil {
		// Write refused req, so nothing of it is on the wire.
		return messages.ErrorReply(err), nil
	}
	vals := make([]any, len(commandsFor(req)))
	for i := range vals {
		v, err := c.receive()
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return decode(req, vals)
}

// receive reads one reply and counts it. A redis error reply is a value
// like any other reply: it ended cleanly and the connection is still in
// step. Any other error is classified and means the connection must be
// closed.
func (c *conn) receive() (any, error) {
	v, err := c.rc.Receive()
	var re redigo.Error
	switch {
	case errors.As(err, &re):
		v = re
	case err != nil:
		return nil, classify(err)
	}
	c.received++
	return v, nil
}

// Buffered reports bytes that have arrived beyond the replies read so
// far, which redigo holds in its own buffer, out of herd's sight. The
// guard has seen them: it counts the top-level replies it let through and
// the bytes of one in progress, and receive counts the replies redigo
// returned, one per Receive (a Touch that removes the TTL takes two).
// Buffered is zero exactly when the counts agree and no reply is in
// progress. Otherwise it is a lower bound on the bytes waiting: exact for a
// reply partly received, three (the shortest reply) for each whole one.
func (c *conn) Buffered() int { return c.g.unread(c.received) }

// SetDeadline bounds the next writes and reads.
func (c *conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// Close closes the connection. Later calls return the first call's result.
func (c *conn) Close() error {
	c.once.Do(func() { c.err = c.nc.Close() })
	return c.err
}

// SetReadDeadline bounds the next reads. It implements
// backends.SplitDeadlines.
func (c *conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline bounds the next writes.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }
