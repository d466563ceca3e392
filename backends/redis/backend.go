package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// Backend speaks the redis protocol. It is safe for concurrent use; each
// connection it dials is used by one worker at a time.
type Backend struct {
	opts Options
}

var _ backends.Backend = (*Backend)(nil)

// New returns a Backend configured by opts, with its zero fields resolved
// to their defaults.
func New(opts Options) *Backend {
	return &Backend{opts: opts.withDefaults()}
}

// Name returns "redis".
func (b *Backend) Name() string { return "redis" }

// String describes the backend without its password.
func (b Backend) String() string { return "redis.Backend(" + b.opts.String() + ")" }

// GoString is String, so that %#v does not print the password either.
func (b Backend) GoString() string { return b.String() }

// Check returns the typed error that keeps req from being sent, or nil.
func (b *Backend) Check(req messages.Request) error { return b.opts.check(req) }

// Dial connects to the redis node at addr, over TLS if the options carry a
// tls.Config, then authenticates and selects the database if the options
// ask for it. ctx bounds the whole of it. A failed TLS handshake wraps
// messages.ErrTLS; any other failure messages.ErrConnection, and each names
// the node.
func (b *Backend) Dial(ctx context.Context, addr string) (backends.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: redis %s: %w", messages.ErrConnection, addr, err)
	}
	if b.opts.TLS != nil {
		if nc, err = backends.HandshakeTLS(ctx, nc, "redis", addr, b.opts.TLS); err != nil {
			return nil, err
		}
	}
	c := newConn(&b.opts, nc)
	if err := c.handshake(ctx); err != nil {
		_ = c.Close()
		if b.opts.TLS != nil && refusedAfterHandshake(err) {
			return nil, fmt.Errorf("%w: redis %s: %s: %w",
				messages.ErrTLS, addr, backends.EndedAfterHandshake, cause(err))
		}
		return nil, fmt.Errorf("%w: redis %s: %w", messages.ErrConnection, addr, err)
	}
	return c, nil
}

// cause is the socket's own error inside one of ioError's.
func cause(err error) error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := u.Unwrap(); len(errs) > 0 {
			return errs[len(errs)-1]
		}
	}
	return err
}

// refusedAfterHandshake reports whether err, from the first exchange on a
// TLS connection, is the server ending the connection rather than
// answering: it sent an alert, or closed or reset the connection.
func refusedAfterHandshake(err error) bool {
	return errors.Is(err, messages.ErrConnection) && !errors.Is(err, messages.ErrTimeout)
}

// handshake sends AUTH and SELECT as the options ask, or PING over TLS if
// they ask for neither, under ctx: its
// deadline is set on the socket, and its cancellation sets a deadline in
// the past to unblock a read in progress.
func (c *conn) handshake(ctx context.Context) error {
	cmds := c.opts.handshake()
	if len(cmds) == 0 && c.opts.TLS != nil {
		// One round trip, so that a server that refuses the client's
		// certificate after the TLS handshake fails the dial.
		cmds = [][]string{{"PING"}}
	}
	if len(cmds) == 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	err := c.exchange(cmds)
	if !stop() {
		return context.Cause(ctx)
	}
	if err != nil {
		return err
	}
	return c.nc.SetDeadline(time.Time{})
}

// handshake lists the commands that set up a new connection, each a name
// and its arguments. The password is an argument only, never part of a
// message.
func (o *Options) handshake() [][]string {
	var cmds [][]string
	switch {
	case o.Password != "" && o.Username != "":
		cmds = append(cmds, []string{"AUTH", o.Username, o.Password})
	case o.Password != "":
		cmds = append(cmds, []string{"AUTH", o.Password})
	}
	if o.DB != 0 {
		cmds = append(cmds, []string{"SELECT", strconv.Itoa(o.DB)})
	}
	return cmds
}

// exchange pipelines cmds and reads every reply; the first redis error
// reply, whose text never holds the password, fails the handshake.
func (c *conn) exchange(cmds [][]string) error {
	for _, cmd := range cmds {
		if err := c.enc.strings(cmd); err != nil {
			return ioError("write", err)
		}
	}
	if err := c.Flush(); err != nil {
		return err
	}
	var first error
	for _, cmd := range cmds {
		v, err := c.rd.value()
		if err != nil {
			c.rd.err = err
			return err
		}
		if se, ok := v.(*ServerError); ok && first == nil {
			first = fmt.Errorf("%s: %s", cmd[0], se.Text)
		}
	}
	return first
}
