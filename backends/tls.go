package backends

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/herd-go/herd/messages"
)

// ClientTLS returns the configuration for a TLS connection to the node at
// addr: a copy of cfg whose ServerName, if cfg leaves it empty, is addr's
// host, so that the server's certificate is verified against the name or
// IP address the node is dialled by. cfg itself is never changed.
func ClientTLS(cfg *tls.Config, addr string) *tls.Config {
	c := cfg.Clone()
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			c.ServerName = host
		}
	}
	return c
}

// HandshakeTLS wraps nc, a connection to the node at addr, in TLS under
// ClientTLS(cfg, addr) and completes the handshake within ctx. On failure
// it closes nc and returns an error that wraps messages.ErrTLS (and so
// messages.ErrConnection) and the cause, and names the protocol and the
// node: a plaintext server, a certificate that does not verify, a client
// certificate the server refused, or no answer before ctx ended (which
// wraps messages.ErrTimeout as well).
func HandshakeTLS(ctx context.Context, nc net.Conn, proto, addr string,
	cfg *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(nc, ClientTLS(cfg, addr))
	err := tc.HandshakeContext(ctx)
	if err == nil {
		return tc, nil
	}
	_ = nc.Close()
	if ctx.Err() != nil || isTimeout(err) {
		return nil, fmt.Errorf("%w: %s %s: %w before the handshake ended "+
			"(is it a TLS port?): %w", messages.ErrTLS, proto, addr, messages.ErrTimeout, err)
	}
	return nil, fmt.Errorf("%w: %s %s: %w", messages.ErrTLS, proto, addr, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
