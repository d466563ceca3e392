package memcached

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/internal/testcert"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// tlsMemcached starts a memcached that speaks TLS only (-Z), with a
// certificate for 127.0.0.1 signed by a CA of the test's own.
func tlsMemcached(t *testing.T, verifyClients bool) (*testcert.CA, *testserver.Server) {
	t.Helper()
	ca := testcert.NewCA(t, "memcached")
	pair := ca.Server(t)
	srv := testserver.MemcachedTLS(t, testserver.TLSFiles{CertFile: pair.CertFile,
		KeyFile: pair.KeyFile, CAFile: ca.CertFile, VerifyClients: verifyClients})
	return ca, srv
}

// TestTLS runs requests, a pipeline among them, over TLS to a memcached
// that speaks nothing else, verified against the test's CA by the node's
// IP address.
func TestTLS(t *testing.T) {
	ca, srv := tlsMemcached(t, false)
	cfg := ca.ClientConfig()
	c := dial(t, New(Options{TLS: cfg}), srv.Addr)
	if _, isTLS := c.nc.(*tls.Conn); !isTLS {
		t.Fatalf("connection is a %T, want *tls.Conn", c.nc)
	}
	roundTrip(t, c, &messages.Set{Key: "k", Value: []byte("over tls"), Flags: 7})
	hasValue("over tls", 7)(t, roundTrip(t, c, &messages.Get{Key: "k"}))

	// Several requests in one flush, their replies read in order.
	const n = 50
	for i := range n {
		if err := c.Write(&messages.Set{Key: fmt.Sprint("p", i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		rep, err := readReply(c, &messages.Set{Key: fmt.Sprint("p", i)})
		if err != nil || rep.Err != nil {
			t.Fatalf("set %d: %v / %v", i, err, rep.Err)
		}
	}
	if cfg.ServerName != "" {
		t.Fatalf("Dial changed the caller's tls.Config: ServerName %q", cfg.ServerName)
	}
}

// TestTLSUntrusted refuses a memcached whose certificate another CA signed.
func TestTLSUntrusted(t *testing.T) {
	_, srv := tlsMemcached(t, false)
	other := testcert.NewCA(t, "other")
	err := dialErr(srv.Addr, Options{TLS: other.ClientConfig()}, testTimeout)
	wantTLSError(t, err, srv.Addr)
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &verify) {
		t.Fatalf("error %v, want a *tls.CertificateVerificationError", err)
	}
}

// TestTLSToPlaintextServer dials a plaintext memcached with a TLS config.
// memcached takes the client's hello for the start of a command line and
// waits for the rest of it (or answers an error, if the hello happens to
// hold a newline), so the handshake fails by the dial's deadline, with
// ErrTLS either way.
func TestTLSToPlaintextServer(t *testing.T) {
	srv := testserver.Memcached(t)
	ca := testcert.NewCA(t, "memcached")
	const limit = 300 * time.Millisecond
	start := time.Now()
	err := dialErr(srv.Addr, Options{TLS: ca.ClientConfig()}, limit)
	wantTLSError(t, err, srv.Addr)
	if took := time.Since(start); took > limit+time.Second {
		t.Fatalf("the failed handshake took %v", took)
	}
}

// TestTLSToPlaintextClient dials a memcached that speaks TLS without a TLS
// config: the server hangs up on the plaintext request, and the read fails
// with ErrConnection.
func TestTLSToPlaintextClient(t *testing.T) {
	_, srv := tlsMemcached(t, false)
	c := dial(t, New(Options{}), srv.Addr)
	req := &messages.Get{Key: "k"}
	if err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	err := c.Flush()
	if err == nil {
		_, err = readReply(c, req)
	}
	wantErr(t, "plaintext to a TLS port", err, messages.ErrConnection)
}

// TestTLSClientCertificate presents a client certificate to a memcached
// that requires one (ssl_verify_mode), and is refused without it.
func TestTLSClientCertificate(t *testing.T) {
	ca, srv := tlsMemcached(t, true)
	c := dial(t, New(Options{TLS: ca.ClientConfig(ca.Client(t))}), srv.Addr)
	roundTrip(t, c, &messages.Set{Key: "k", Value: []byte("mutual")})

	// Without one, the server ends the connection. Under TLS 1.3 the
	// client's side of the handshake ends first; Dial's version request
	// finds the refusal, so the dial fails.
	err := dialErr(srv.Addr, Options{TLS: ca.ClientConfig()}, testTimeout)
	wantTLSError(t, err, srv.Addr)
	if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %q does not mention the certificate", err)
	}
}

// TestOptionsHideTLS formats options that carry a client certificate every
// way fmt can, and finds its private key in none of them.
func TestOptionsHideTLS(t *testing.T) {
	ca := testcert.NewCA(t, "memcached")
	client := ca.Client(t)
	opts := Options{TLS: ca.ClientConfig(client)}
	b := New(opts)
	secrets := append(client.Secrets(), "PrivateKey")
	if printed := fmt.Sprintf("%+v", client.TLS.PrivateKey); !strings.Contains(printed,
		secrets[1]) {
		t.Fatalf("the key printed (%q) does not show its own secret: the check proves nothing",
			printed)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{opts, &opts, b, *b} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range secrets {
				if strings.Contains(s, secret) {
					t.Errorf("%s of %T = %q shows the client's key (%q)", verb, v, s, secret)
				}
			}
		}
	}
	if s := opts.String(); !strings.Contains(s, "TLS: on") {
		t.Errorf("String() = %q, want TLS: on", s)
	}
}

// dialErr dials addr with opts within limit and returns the error, closing
// any connection made.
func dialErr(addr string, opts Options, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c, err := New(opts).Dial(ctx, addr)
	if err == nil {
		_ = c.Close()
	}
	return err
}

// wantTLSError wants an error that matches ErrTLS and ErrConnection, says
// the handshake failed and names the node.
func wantTLSError(t *testing.T, err error, addr string) {
	t.Helper()
	t.Logf("error: %v", err)
	if !errors.Is(err, messages.ErrTLS) || !errors.Is(err, messages.ErrConnection) {
		t.Fatalf("error %v, want ErrTLS and ErrConnection", err)
	}
	for _, want := range []string{"TLS handshake failed", "memcached " + addr} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
}
