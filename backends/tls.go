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
	if ctx.Err() != nil || IsTimeout(err) {
		return nil, fmt.Errorf("%w: %s %s: %w before the handshake ended "+
			"(is it a TLS port?): %w", messages.ErrTLS, proto, addr, messages.ErrTimeout, err)
	}
	return nil, fmt.Errorf("%w: %s %s: %w", messages.ErrTLS, proto, addr, err)
}

// EndedAfterHandshake says why a dial over TLS failed when the handshake
// went through and the server then ended the connection instead of
// answering the first request: under TLS 1.3 that is how a server refuses
// the client's certificate (or its lack of one).
const EndedAfterHandshake = "the server ended the connection right after the TLS handshake " +
	"(did it refuse the client's certificate?)"

// RefusedTLS reports whether err is a TLS alert from the server, such as
// "certificate required": under TLS 1.3 a server that refuses the client's
// certificate says so after the client's side of the handshake has ended,
// so the refusal arrives at the connection's first read instead of in
// Dial. A backend reports such a failure as messages.ErrTLS.
func RefusedTLS(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}
