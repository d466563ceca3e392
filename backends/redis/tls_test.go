package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/internal/testcert"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// tlsRedis starts a redis-server that speaks TLS only, with a certificate
// for 127.0.0.1 signed by a CA of the test's own.
func tlsRedis(t *testing.T, verifyClients bool,
	extra ...string) (*testcert.CA, *testserver.Server) {
	t.Helper()
	ca := testcert.NewCA(t, "redis")
	pair := ca.Server(t)
	srv := testserver.RedisTLS(t, testserver.TLSFiles{CertFile: pair.CertFile,
		KeyFile: pair.KeyFile, CAFile: ca.CertFile, VerifyClients: verifyClients}, extra...)
	return ca, srv
}

// TestTLS serves requests over TLS from a server that speaks nothing else,
// verified against the test's CA by the node's IP address.
func TestTLS(t *testing.T) {
	ca, srv := tlsRedis(t, false)
	cfg := ca.ClientConfig()
	c := dial(t, srv.Addr, Options{TLS: cfg})
	ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte("over tls")}))
	hasValue("over tls")(t, call(t, c, &messages.Get{Key: "k"}))
	if _, isTLS := c.(*conn).nc.(*tls.Conn); !isTLS {
		t.Fatalf("connection is a %T, want *tls.Conn", c.(*conn).nc)
	}
	if cfg.ServerName != "" {
		t.Fatalf("Dial changed the caller's tls.Config: ServerName %q", cfg.ServerName)
	}
}

// TestTLSAuth authenticates over TLS, with a password and an ACL user.
func TestTLSAuth(t *testing.T) {
	ca, srv := tlsRedis(t, false, "--requirepass", "tls-pw",
		"--user", "bob", "on", ">bob-pw", "~*", "+@all")
	for _, opts := range []Options{
		{Password: "tls-pw", TLS: ca.ClientConfig()},
		{Username: "bob", Password: "bob-pw", TLS: ca.ClientConfig()},
	} {
		c := dial(t, srv.Addr, opts)
		ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte(opts.Password)}))
	}
	wantDialRefused(t, srv.Addr, Options{Password: "wrong-tls-pw", TLS: ca.ClientConfig()},
		"WRONGPASS")
}

// TestTLSServerName verifies a certificate by TLS.ServerName when set, and by
// the node's host otherwise.
func TestTLSServerName(t *testing.T) {
	ca := testcert.NewCA(t, "redis")
	pair := ca.ServerFor(t, "cache.herd.test")
	srv := testserver.RedisTLS(t, testserver.TLSFiles{CertFile: pair.CertFile,
		KeyFile: pair.KeyFile, CAFile: ca.CertFile})

	_, err := dialErr(srv.Addr, Options{TLS: ca.ClientConfig()})
	wantTLSError(t, err, srv.Addr)
	var name x509.HostnameError
	if !errors.As(err, &name) {
		t.Fatalf("error %v, want an x509.HostnameError for 127.0.0.1", err)
	}

	named := ca.ClientConfig()
	named.ServerName = "cache.herd.test"
	c := dial(t, srv.Addr, Options{TLS: named})
	ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte("v")}))
}

// TestTLSUntrusted refuses a server whose certificate another CA signed.
func TestTLSUntrusted(t *testing.T) {
	_, srv := tlsRedis(t, false)
	other := testcert.NewCA(t, "other")
	_, err := dialErr(srv.Addr, Options{TLS: other.ClientConfig()})
	wantTLSError(t, err, srv.Addr)
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &verify) {
		t.Fatalf("error %v, want a *tls.CertificateVerificationError", err)
	}
	if !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("error %q does not say the authority is unknown", err)
	}
}

// TestTLSToPlaintextServer dials a plaintext redis-server with a TLS
// config, several times. redis takes the client's hello for the start of an
// inline command and, as a rule, waits for the rest of it, so the handshake
// ends when the dial's deadline comes, and the error says so and suggests
// the port may not speak TLS. Whatever redis does, the error is ErrTLS, by
// the deadline.
func TestTLSToPlaintextServer(t *testing.T) {
	srv := testserver.Redis(t)
	ca := testcert.NewCA(t, "redis")
	const limit = 300 * time.Millisecond
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		start := time.Now()
		c, err := New(Options{TLS: ca.ClientConfig()}).Dial(ctx, srv.Addr)
		cancel()
		if err == nil {
			_ = c.Close()
			t.Fatal("a TLS dial to a plaintext server succeeded")
		}
		wantTLSError(t, err, srv.Addr)
		if errors.Is(err, messages.ErrTimeout) &&
			!strings.Contains(err.Error(), "is it a TLS port?") {
			t.Fatalf("error %q does not suggest the port may not speak TLS", err)
		}
		if took := time.Since(start); took > limit+time.Second {
			t.Fatalf("the failed handshake took %v", took)
		}
	}
}

// TestTLSClientCertificate presents a client certificate to a server that
// requires one, and is refused without it.
func TestTLSClientCertificate(t *testing.T) {
	ca, srv := tlsRedis(t, true)
	c := dial(t, srv.Addr, Options{TLS: ca.ClientConfig(ca.Client(t))})
	ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte("mutual")}))

	// Without one, the server ends the connection. Under TLS 1.3 the
	// client's side of the handshake ends first; Dial's PING finds the
	// refusal, so the dial fails.
	_, err := dialErr(srv.Addr, Options{TLS: ca.ClientConfig()})
	wantTLSError(t, err, srv.Addr)
	if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %q does not mention the certificate", err)
	}
}

// wantTLSError wants an error that matches ErrTLS and ErrConnection, says
// the handshake failed and names the node.
func wantTLSError(t *testing.T, err error, addr string) {
	t.Helper()
	t.Logf("error: %v", err)
	if !errors.Is(err, messages.ErrTLS) || !errors.Is(err, messages.ErrConnection) {
		t.Fatalf("error %v, want ErrTLS and ErrConnection", err)
	}
	for _, want := range []string{"TLS handshake failed", "redis " + addr} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
}
