package memcached

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// Defaults for the zero fields of Options.
const (
	// DefaultMaxValueSize fits memcached's default item size limit (-I 1m):
	// that limit counts the key and about 50 bytes of item header as well as
	// the value, so the default leaves 512 bytes for them.
	DefaultMaxValueSize = 1<<20 - 512
	// readSlack is how much larger than MaxValueSize a value read back may
	// be: other clients may store values up to the server's item limit.
	readSlack = 4 << 10
	// DefaultKeepAlive is the TCP keep-alive period when Options.KeepAlive
	// is zero.
	DefaultKeepAlive = 30 * time.Second
)

// Sizes of each connection's buffers. The read buffer also bounds the length
// of a reply line: the longest line memcached sends, a VALUE line with a
// 250-byte key, is far shorter.
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 16 << 10
)

// Options configures a Backend. The zero value is usable; a zero or negative
// field takes the default it documents.
type Options struct {
	// MaxValueSize is the largest value, in bytes, that a Set may carry; a
	// larger one gets ErrValueTooLarge before anything is sent. A reply may
	// hold up to 4 KiB more (values stored by other clients); a reply
	// announcing a larger value is a protocol error, so that a garbled byte
	// count cannot make herd allocate without bound. Set it to the servers'
	// item size limit (memcached -I) less 512 bytes. Zero means
	// DefaultMaxValueSize (1 MiB less 512 bytes).
	MaxValueSize int
	// KeepAlive is the TCP keep-alive period of each connection. Zero means
	// DefaultKeepAlive (30 s).
	KeepAlive time.Duration
	// TLS, when set, makes every connection TLS (memcached -Z): the
	// server's certificate is verified against TLS.RootCAs (the system's
	// roots if nil) and TLS.ServerName, which is the node's host when left
	// empty; a client certificate in TLS.Certificates is presented to
	// servers that ask for one (memcached -o ssl_verify_mode). herd never
	// changes it, and never prints it. Zero value: plain TCP.
	TLS *tls.Config
}

// String describes o, with TLS as on or off: the tls.Config, which may hold
// a client certificate's private key, is not printed.
func (o Options) String() string {
	tlsOn := "off"
	if o.TLS != nil {
		tlsOn = "on"
	}
	return fmt.Sprintf("memcached.Options{MaxValueSize: %d, KeepAlive: %v, TLS: %s}",
		o.MaxValueSize, o.KeepAlive, tlsOn)
}

// GoString is String, so that %#v does not print the tls.Config either.
func (o Options) GoString() string { return o.String() }

// withDefaults returns o with every unset field at its default. It is the
// one place defaults are resolved.
func (o Options) withDefaults() Options {
	if o.MaxValueSize <= 0 {
		o.MaxValueSize = DefaultMaxValueSize
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	return o
}

// Backend speaks the memcached text protocol. It is safe for concurrent use;
// each Conn it dials is used by one worker at a time.
type Backend struct {
	opts Options
}

var _ backends.Backend = (*Backend)(nil)

// New returns a Backend configured by opts.
func New(opts Options) *Backend {
	return &Backend{opts: opts.withDefaults()}
}

// Name returns "memcached".
func (b *Backend) Name() string { return "memcached" }

// Dial connects to the memcached node at addr (host:port) within ctx's
// deadline (herd's Config.DialTimeout), over TLS if the options carry a
// tls.Config. A failure wraps messages.ErrConnection, or
// messages.ErrTimeout if time ran out; a failed TLS handshake wraps
// messages.ErrTLS.
func (b *Backend) Dial(ctx context.Context, addr string) (backends.Conn, error) {
	d := net.Dialer{KeepAlive: b.opts.KeepAlive}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, ioError("dial "+addr, err)
	}
	if b.opts.TLS == nil {
		return b.newConn(nc), nil
	}
	if nc, err = backends.HandshakeTLS(ctx, nc, "memcached", addr, b.opts.TLS); err != nil {
		return nil, err
	}
	c := b.newConn(nc)
	if err := c.version(ctx); err != nil {
		_ = c.Close()
		switch {
		case backends.IsTimeout(err):
			return nil, ioError("dial "+addr, err)
		case errors.Is(err, messages.ErrProtocol):
			return nil, fmt.Errorf("%w (from %s)", err, addr)
		}
		return nil, fmt.Errorf("%w: memcached %s: %s: %w",
			messages.ErrTLS, addr, backends.EndedAfterHandshake, err)
	}
	return c, nil
}

// version asks the server its version and reads the answer, within ctx:
// one round trip, so that a server that refuses the client's certificate
// after the TLS handshake fails the dial, not the first request.
func (c *conn) version(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := c.w.WriteString("version\r\n"); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	line, err := c.p.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("VERSION ")) {
		return protocolError("version answered %q", backends.Clip(line))
	}
	return c.nc.SetDeadline(time.Time{})
}

// newConn wraps an open connection.
func (b *Backend) newConn(nc net.Conn) *conn {
	return &conn{
		b:  b,
		nc: nc,
		w:  bufio.NewWriterSize(nc, writeBufferSize),
		p: parser{
			r:        bufio.NewReaderSize(nc, readBufferSize),
			maxValue: b.opts.MaxValueSize + readSlack,
		},
	}
}
