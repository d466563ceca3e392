package herd_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/internal/testcert"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// tlsFiles signs a server certificate for 127.0.0.1 with ca.
func tlsFiles(t *testing.T, ca *testcert.CA, verifyClients bool) testserver.TLSFiles {
	pair := ca.Server(t)
	return testserver.TLSFiles{CertFile: pair.CertFile, KeyFile: pair.KeyFile,
		CAFile: ca.CertFile, VerifyClients: verifyClients}
}

// TestTLSHerd runs a herd over TLS on two TLS-only nodes of each backend,
// one of each requiring a client certificate, with AUTH on the redis
// nodes: every key set is read back from its owner.
func TestTLSHerd(t *testing.T) {
	ca := testcert.NewCA(t, "herd")
	client := ca.Client(t)
	cases := []struct {
		name    string
		backend func(*tls.Config) herd.Config
		nodes   []string
	}{
		{"memcached", func(c *tls.Config) herd.Config {
			return herd.Config{Backend: memcached.New(memcached.Options{TLS: c})}
		}, []string{
			testserver.MemcachedTLS(t, tlsFiles(t, ca, false)).Addr,
			testserver.MemcachedTLS(t, tlsFiles(t, ca, true)).Addr,
		}},
		{"redis", func(c *tls.Config) herd.Config {
			return herd.Config{Backend: redis.New(redis.Options{Password: "tls-herd-pw", TLS: c})}
		}, []string{
			testserver.RedisTLS(t, tlsFiles(t, ca, false), "--requirepass", "tls-herd-pw").Addr,
			testserver.RedisTLS(t, tlsFiles(t, ca, true), "--requirepass", "tls-herd-pw").Addr,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, cfg := newEnv(t, tc.nodes...)
			cfg.Backend = tc.backend(ca.ClientConfig(client)).Backend
			baseline := goleak.IgnoreCurrent()
			h := e.start(cfg)
			owners := map[string]int{}
			for i := range 200 {
				key := fmt.Sprintf("tls:%d", i)
				if err := h.Set(ctxT(t), key, []byte(key), time.Minute); err != nil {
					t.Fatalf("set %s: %v", key, err)
				}
				owner, _ := h.Owner(key)
				owners[owner]++
			}
			for i := range 200 {
				key := fmt.Sprintf("tls:%d", i)
				item, err := h.Get(ctxT(t), key)
				if err != nil || string(item.Value) != key {
					t.Fatalf("get %s: %q, %v", key, item.Value, err)
				}
			}
			if len(owners) != 2 {
				t.Fatalf("keys went to %v, want both nodes", owners)
			}
			if err := h.Stop(); err != nil {
				t.Fatal(err)
			}
			goleak.VerifyNone(t, baseline)
		})
	}
}

// TestWrongPasswordMarksNodeDown gives a herd the wrong password for a
// redis node and calls it without pause for 3 s. The node is marked down
// with an error that names it and says why, callers get ErrNodeDown at once,
// and the server sees a few connections and AUTH attempts (the first dials
// and the probes' schedule), not one per call.
func TestWrongPasswordMarksNodeDown(t *testing.T) {
	const right, wrong = "right-pw-5e0c71", "wrong-pw-a94d2b"
	srv := testserver.Redis(t, "--requirepass", right)
	admin := newRedisAdmin(t, srv.Addr, redis.Options{Password: right})
	connsBefore, authBefore := admin.connections(), admin.authFailures()

	w, cfg := watchedEnv(t, redis.New(redis.Options{Password: wrong}), srv.Addr)
	baseline := goleak.IgnoreCurrent()
	h := w.start(cfg)
	calls, nodeDown := 0, 0
	ctx := ctxT(t)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); calls++ {
		_, err := h.Get(ctx, "k")
		if !errors.Is(err, herd.ErrNodeDown) && !errors.Is(err, herd.ErrConnection) {
			t.Fatalf("call %d: %v, want ErrNodeDown or ErrConnection", calls, err)
		}
		if errors.Is(err, herd.ErrNodeDown) {
			nodeDown++
		}
		if calls < 10 || calls%1000 == 0 {
			w.note(err)
		}
	}
	health := h.Health()[srv.Addr]
	w.note(health)
	// Stopped, the herd dials no more: the server's counts are final.
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, baseline)
	conns, auths := admin.connections()-connsBefore, admin.authFailures()-authBefore
	t.Logf("%d calls (%d ErrNodeDown) in 3 s; server saw %d connections, %d failed AUTHs",
		calls, nodeDown, conns, auths)

	down := waitEvent(w.env, func(*messages.NodeDown) bool { return true })
	if down.Node != srv.Addr || !errors.Is(down.Err, herd.ErrConnection) ||
		!strings.Contains(down.Err.Error(), "WRONGPASS") ||
		!strings.Contains(down.Err.Error(), srv.Addr) {
		t.Fatalf("NodeDown %+v: want the node, ErrConnection, its address and WRONGPASS", down)
	}
	if !health.Down || !strings.Contains(fmt.Sprint(health.LastError), "WRONGPASS") {
		t.Fatalf("health %+v, want down for WRONGPASS", health)
	}
	// Two workers' first dials, a redial or two before the node is down,
	// then probes 0.5, 1 and 2 s apart (jittered by a quarter).
	const most = 10
	if conns < 3 || conns > most || auths != conns {
		t.Fatalf("%d connections and %d failed AUTHs in 3 s: want 3 to %d, one AUTH each",
			conns, auths, most)
	}
	if nodeDown < calls/2 {
		t.Fatalf("only %d of %d calls failed fast with ErrNodeDown", nodeDown, calls)
	}
	w.shows("node unreachable", "node down", srv.Addr, "WRONGPASS")
	w.noSecrets(wrong, right)
}

// TestSecretsStayOut runs the scenarios in which a secret is closest to
// an operator's eyes (a wrong ACL password, a TLS config with a client key
// against a server that does not verify, a plaintext server and a server
// that wants the client's certificate, and a healthy TLS node with AUTH)
// and searches everything each herd showed (its log and protoactor's at
// Trace, every event, the errors callers got, its health) for the
// passwords and the client's private key.
func TestSecretsStayOut(t *testing.T) {
	ca := testcert.NewCA(t, "herd")
	other := testcert.NewCA(t, "other")
	client := ca.Client(t)
	const right, wrong = "acl-right-3f9e2a", "acl-wrong-c47b10"
	secrets := append(client.Secrets(), right, wrong)

	plainRedis := testserver.Redis(t, "--user", "app", "on", ">"+right, "~*", "+@all")
	untrusted := testserver.RedisTLS(t, tlsFiles(t, other, false))
	plainMemcached := testserver.Memcached(t)
	mutualMemcached := testserver.MemcachedTLS(t, tlsFiles(t, ca, true))
	healthy := testserver.RedisTLS(t, tlsFiles(t, ca, true), "--requirepass", right)

	withKey := ca.ClientConfig(client)
	noKey := ca.ClientConfig()
	scenarios := []struct {
		name    string
		backend herd.Config
		node    string
		shows   []string // what the output must hold, so the search means something
	}{
		{"wrong ACL password", herd.Config{Backend: redis.New(redis.Options{
			Username: "app", Password: wrong})}, plainRedis.Addr,
			[]string{"WRONGPASS"}},
		{"untrusted certificate", herd.Config{Backend: redis.New(redis.Options{
			Username: "app", Password: right, TLS: withKey})}, untrusted.Addr,
			[]string{"TLS handshake failed", "unknown authority"}},
		{"plaintext server", herd.Config{Backend: memcached.New(memcached.Options{
			TLS: withKey})}, plainMemcached.Addr,
			[]string{"TLS handshake failed"}},
		{"client certificate required", herd.Config{Backend: memcached.New(memcached.Options{
			TLS: noKey})}, mutualMemcached.Addr,
			[]string{"TLS handshake failed", "certificate"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			w, cfg := watchedEnv(t, sc.backend.Backend, sc.node)
			cfg.ProbeInterval = 50 * time.Millisecond
			baseline := goleak.IgnoreCurrent()
			h := w.start(cfg)
			eventually(t, "the node is down", func() bool {
				_, err := h.Get(ctxT(t), "k")
				w.note(err)
				return errors.Is(err, herd.ErrNodeDown)
			})
			w.note(h.Health())
			w.note(h.Stats())
			ex, _ := h.Explain("k")
			w.note(ex)
			w.note(cfg)
			if err := h.Stop(); err != nil {
				t.Fatal(err)
			}
			goleak.VerifyNone(t, baseline)
			w.shows(append(sc.shows, "node down", sc.node)...)
			w.noSecrets(secrets...)
		})
	}
	t.Run("healthy", func(t *testing.T) {
		w, cfg := watchedEnv(t, redis.New(redis.Options{Password: right, TLS: withKey}),
			healthy.Addr)
		h := w.start(cfg)
		if err := h.Set(ctxT(t), "k", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		w.note(h.Health())
		w.note(h.Stats())
		w.note(cfg)
		_ = h.Stop()
		w.shows(healthy.Addr)
		w.noSecrets(secrets...)
	})
}
