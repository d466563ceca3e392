package memcached

import (
	"bufio"
	"net"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// conn is one connection to a memcached node. Write buffers commands, Flush
// sends them, and Read parses their replies in the order they were written.
type conn struct {
	b  *Backend
	nc net.Conn
	w  *bufio.Writer
	p  parser
}

var (
	_ backends.Conn     = (*conn)(nil)
	_ backends.Buffered = (*conn)(nil)
)

// Write checks req and buffers its command. A request that fails the check
// is refused with its typed error before a byte is buffered, and the
// connection stays usable. A value larger than the write buffer starts to go
// out before Flush; a failure to send it wraps messages.ErrConnection or
// ErrTimeout, and the connection must be closed.
func (c *conn) Write(req messages.Request) error {
	if err := c.b.Check(req); err != nil {
		return err
	}
	if err := encode(c.w, req, time.Now); err != nil {
		return ioError("write", err)
	}
	return nil
}

// Flush sends every buffered command.
func (c *conn) Flush() error {
	if err := c.w.Flush(); err != nil {
		return ioError("write", err)
	}
	return nil
}

// Read reads the reply to req, the oldest request written and not yet
// read, into rep.
func (c *conn) Read(req messages.Request, rep *messages.Reply) error {
	return c.p.readInto(req, rep)
}

// SetDeadline bounds the next writes and reads, as net.Conn does.
func (c *conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// Close closes the network connection.
func (c *conn) Close() error { return c.nc.Close() }

// Buffered returns how many bytes have arrived beyond the replies read so
// far. It implements backends.Buffered.
func (c *conn) Buffered() int { return c.p.r.Buffered() }

// SetReadDeadline bounds the next reads. It implements
// backends.SplitDeadlines.
func (c *conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline bounds the next writes.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }
