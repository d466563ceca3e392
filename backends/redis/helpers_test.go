package redis

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 5 * time.Second

// dial connects to addr with opts and closes the connection when the test
// ends.
func dial(t *testing.T, addr string, opts Options) backends.Conn {
	t.Helper()
	c, err := dialErr(addr, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dialErr(addr string, opts Options) (backends.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return New(opts).Dial(ctx, addr)
}

// call writes req, flushes and reads its reply, as a worker does.
func call(t *testing.T, c backends.Conn, req messages.Request) *messages.Reply {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatalf("set deadline: %v", err)
	}
	if err := c.Write(req); err != nil {
		t.Fatalf("write %T: %v", req, err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	r, err := read(c, req)
	if err != nil {
		t.Fatalf("read %T: %v", req, err)
	}
	return r
}

// read reads req's reply into a zeroed Reply, as a worker does, and
// returns that Reply.
func read(c backends.Conn, req messages.Request) (*messages.Reply, error) {
	var r messages.Reply
	err := c.Read(req, &r)
	return &r, err
}

// exchange writes req, flushes and reads its reply.
func exchange(c backends.Conn, req messages.Request) (*messages.Reply, error) {
	if err := c.Write(req); err != nil {
		return nil, err
	}
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return read(c, req)
}

// untouched fails the test if a Read that failed wrote into its Reply.
func untouched(t *testing.T, r *messages.Reply) {
	t.Helper()
	if !reflect.DeepEqual(*r, messages.Reply{}) {
		t.Errorf("reply %+v filled beside the error", r)
	}
}

// waitFor polls cond until it holds, failing the test after testTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll(cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// poll checks cond every few milliseconds until it holds, and reports
// false if it still does not after testTimeout. It is safe to call from any
// goroutine.
func poll(cond func() bool) bool {
	deadline := time.Now().Add(testTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// fakeServer is a loopback listener of the test's own standing in for a
// redis node. It records every byte it receives. After the first bytes of a
// connection arrive it sends reply, then closes the connection if hangUp is
// set; otherwise it keeps reading until the client goes away.
type fakeServer struct {
	Addr   string
	reply  string
	hangUp bool

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	got  bytes.Buffer
	open []net.Conn
	done bool
}

func startFake(t *testing.T, reply string, hangUp bool) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &fakeServer{Addr: ln.Addr().String(), reply: reply, hangUp: hangUp, ln: ln}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.stop)
	return s
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			_ = nc.Close()
			return
		}
		s.open = append(s.open, nc)
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(nc)
	}
}

func (s *fakeServer) serve(nc net.Conn) {
	defer s.wg.Done()
	buf := make([]byte, 4096)
	replied := false
	for {
		n, err := nc.Read(buf)
		s.mu.Lock()
		s.got.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
		if !replied {
			replied = true
			_, _ = nc.Write([]byte(s.reply))
			if s.hangUp {
				_ = nc.Close()
				return
			}
		}
	}
}

// received returns a copy of every byte received so far.
func (s *fakeServer) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.String()
}

// stop closes the listener and every connection, and waits for the
// server's goroutines to end.
func (s *fakeServer) stop() {
	_ = s.ln.Close()
	s.mu.Lock()
	s.done = true
	for _, nc := range s.open {
		_ = nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// wantErr fails the test unless err wraps want (or is nil when want is).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}
