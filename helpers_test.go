package herd_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// fleet is a set of real memcached servers for one test.
func fleet(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = testserver.Memcached(t).Addr
	}
	return addrs
}

// syncBuffer is a log sink that tests can read while herd writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one herd under test with its actor system and captured log.
type env struct {
	t      *testing.T
	system *actor.ActorSystem
	herd   *herd.Herd
	disc   *discovery.Manual
	log    *syncBuffer
	events chan any
}

// config returns a herd config over a manual discovery of addrs, logging to
// a buffer, with a fast poll so tests converge quickly.
func newEnv(t *testing.T, addrs ...string) (*env, herd.Config) {
	t.Helper()
	e := &env{t: t, disc: discovery.NewManual(addrs...), log: &syncBuffer{},
		events: make(chan any, 1024)}
	e.system = actor.NewActorSystem(herd.QuietActorSystem())
	sub := e.system.EventStream.Subscribe(func(evt any) {
		switch evt.(type) {
		case *messages.NodesChanged, *messages.DiscoveryFailed, *messages.NodeRejected,
			*messages.RemovalHeld, *messages.NodeMoved,
			*messages.NodeDown, *messages.NodeUp:
			select {
			case e.events <- evt:
			default:
			}
		}
	})
	t.Cleanup(func() { e.system.EventStream.Unsubscribe(sub) })
	cfg := herd.Config{
		Backend:      memcached.New(memcached.Options{}),
		Discovery:    e.disc,
		PoolSize:     2,
		PollInterval: time.Hour, // tests drive polls with Refresh
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "herd", Level: hclog.Debug, Output: e.log,
		}),
	}
	return e, cfg
}

func (e *env) start(cfg herd.Config) *herd.Herd {
	e.t.Helper()
	h, err := herd.Start(e.system, cfg)
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	e.herd = h
	e.t.Cleanup(func() { _ = h.Stop() })
	return h
}

// waitEvent returns the first event for which match holds, failing the test
// after 5 s.
func waitEvent[T any](e *env, match func(T) bool) T {
	e.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case evt := <-e.events:
			if v, ok := evt.(T); ok && match(v) {
				return v
			}
		case <-timeout:
			var zero T
			e.t.Fatalf("no %T event within 5 s; log:\n%s", zero, e.log.String())
			return zero
		}
	}
}

// eventually polls cond until it holds, failing the test after 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting until %s", what)
		case <-tick.C:
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a loopback listener that accepts connections and counts the
// bytes it receives without ever answering.
type recorder struct {
	ln    net.Listener
	bytes atomic.Int64
	conns atomic.Int64
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln}
	go r.accept()
	t.Cleanup(func() { ln.Close() })
	return r
}

func (r *recorder) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.conns.Add(1)
		go func() {
			defer c.Close()
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				r.bytes.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
}

// rawGet reads key from the memcached at addr on a connection of its own,
// bypassing herd; "" means a miss.
func rawGet(t *testing.T, addr, key string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "get %s\r\n", key); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if line == "END\r\n" {
		return ""
	}
	value, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(value, "\r\n")
}

// fakeServer is a loopback listener whose handler decides, line by line,
// what to answer: it gets each request line (without "\r\n") and the
// connection's number, and returns the raw bytes to write ("" writes
// nothing). It stands in for faults a real server cannot produce.
type fakeServer struct {
	ln     net.Listener
	handle func(conn int, line string) string
	mu     sync.Mutex
	conns  []net.Conn
	closed atomic.Int64 // connections that have ended
}

func newFakeServer(t *testing.T, handle func(conn int, line string) string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, handle: handle}
	go f.accept()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	return f
}

func (f *fakeServer) addr() string { return f.ln.Addr().String() }

func (f *fakeServer) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		n := len(f.conns)
		f.mu.Unlock()
		go f.serve(c, n)
	}
}

func (f *fakeServer) serve(c net.Conn, n int) {
	defer f.closed.Add(1)
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if out := f.handle(n, strings.TrimSuffix(line, "\r\n")); out != "" {
			if _, err := c.Write([]byte(out)); err != nil {
				return
			}
		}
	}
}
