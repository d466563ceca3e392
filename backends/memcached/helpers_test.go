package memcached

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 5 * time.Second

// dial connects b to addr with a deadline on everything the test does.
func dial(t *testing.T, b *Backend, addr string) *conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := b.Dial(ctx, addr)
	if err != nil {
		t.Fatalf("Dial(%s): %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	return c.(*conn)
}

// roundTrip writes req, flushes and reads its reply, failing the test if the
// connection breaks.
func roundTrip(t *testing.T, c *conn, req messages.Request) *messages.Reply {
	t.Helper()
	if err := c.Write(req); err != nil {
		t.Fatalf("Write(%#v): %v", req, err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	rep, err := readReply(c, req)
	if err != nil {
		t.Fatalf("Read(%#v): %v", req, err)
	}
	return rep
}

// fakeServer is a loopback listener of the test's own that serves one
// connection with a scripted behaviour and records every byte it receives.
type fakeServer struct {
	ln   net.Listener
	done chan struct{} // closed when serve has returned

	mu  sync.Mutex
	got bytes.Buffer
}

// startFake listens on a free loopback port and hands the first connection
// to serve, whose reads are recorded. The listener and the connection are
// closed when the test ends.
func startFake(t *testing.T, serve func(nc net.Conn, r *bufio.Reader)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, done: make(chan struct{})}
	accepted := make(chan net.Conn, 1)
	go func() {
		defer close(f.done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		accepted <- nc
		defer nc.Close()
		serve(nc, bufio.NewReader(io.TeeReader(nc, f)))
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		select {
		case nc := <-accepted:
			_ = nc.Close()
		default:
		}
		f.wait(t)
	})
	return f
}

// Write records bytes the server received.
func (f *fakeServer) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got.Write(p)
}

// Addr is where the fake listens.
func (f *fakeServer) Addr() string { return f.ln.Addr().String() }

// wait waits, within testTimeout, for serve to return.
func (f *fakeServer) wait(t *testing.T) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(testTimeout):
		t.Fatal("fake server did not finish")
	}
}

// received returns everything the server has received.
func (f *fakeServer) received() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got.String()
}

// drain reads until the client closes the connection.
func drain(_ net.Conn, r *bufio.Reader) { _, _ = io.Copy(io.Discard, r) }

// answer returns a serve function that reads one command line, writes
// reply, and then either closes the connection or waits for the client to.
func answer(reply string, thenClose bool) func(net.Conn, *bufio.Reader) {
	return func(nc net.Conn, r *bufio.Reader) {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		if _, err := io.WriteString(nc, reply); err != nil || thenClose {
			return
		}
		drain(nc, r)
	}
}

// wantErr fails the test unless err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}

// read reads the reply to req into a new Reply.
func (p *parser) read(req messages.Request) (*messages.Reply, error) {
	rep := &messages.Reply{}
	if err := p.readInto(req, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// readReply reads the reply to req from c into a new Reply.
func readReply(c *conn, req messages.Request) (*messages.Reply, error) {
	rep := &messages.Reply{}
	if err := c.Read(req, rep); err != nil {
		return nil, err
	}
	return rep, nil
}
