package redis

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// TestBuffered writes requests to a fake server, flushes them together and
// reads their replies one by one. After each Read, Buffered must be
// positive exactly when bytes beyond the replies read have arrived: a reply
// nobody asked for, whole or in part, or the replies to requests still to
// be read.
func TestBuffered(t *testing.T) {
	a, b, c := &messages.Get{Key: "a"}, &messages.Get{Key: "b"}, &messages.Get{Key: "c"}
	tests := []struct {
		name  string
		reply string
		reqs  []messages.Request
		stray []bool // whether Buffered is positive after each Read
	}{
		{"one reply", bulk("first"), []messages.Request{a}, []bool{false}},
		{"error reply", "-ERR no\r\n", []messages.Request{a}, []bool{false}},
		{"array reply", "*2\r\n$1\r\nx\r\n$-1\r\n",
			[]messages.Request{&messages.GetMulti{Keys: []string{"a", "b"}}}, []bool{false}},
		{"touch, two replies", ":0\r\n:1\r\n",
			[]messages.Request{&messages.Touch{Key: "a"}}, []bool{false}},
		{"stray reply", bulk("first") + bulk("stale"), []messages.Request{a}, []bool{true}},
		{"stray part", bulk("first") + "$5\r\nst", []messages.Request{a}, []bool{true}},
		{"stray error", bulk("first") + "-ERR x\r\n", []messages.Request{a}, []bool{true}},
		{"pipelined", bulk("1") + bulk("2") + bulk("3"),
			[]messages.Request{a, b, c}, []bool{true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn := dial(t, startFake(t, tc.reply, false).Addr, Options{})
			readBuffered(t, conn, tc.reqs, tc.stray)
		})
	}
}

// readBuffered writes reqs, flushes once, and checks Buffered before the
// first Read and after each.
func readBuffered(t *testing.T, c backends.Conn, reqs []messages.Request, stray []bool) {
	t.Helper()
	bc, ok := c.(backends.Buffered)
	if !ok {
		t.Fatalf("%T does not implement backends.Buffered", c)
	}
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	for _, req := range reqs {
		if err := c.Write(req); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if n := bc.Buffered(); n != 0 {
		t.Fatalf("Buffered() = %d before any Read", n)
	}
	for i, req := range reqs {
		if _, err := read(c, req); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if n := bc.Buffered(); (n > 0) != stray[i] || n < 0 {
			t.Fatalf("after read %d: Buffered() = %d, want positive: %v", i, n, stray[i])
		}
	}
}

// The replies to AUTH and SELECT are counted like any others, so that the
// first request after the handshake is not taken for out of step.
func TestBufferedAfterHandshake(t *testing.T) {
	opts := Options{Password: "pw", DB: 2}.withDefaults()
	c := newConn(&opts, memConn{bytes.NewReader([]byte("+OK\r\n+OK\r\n" + bulk("v")))})
	if err := c.handshake(context.Background()); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if r, err := exchange(c, &messages.Get{Key: "k"}); err != nil || string(r.Value) != "v" {
		t.Fatalf("get: %+v, %v", r, err)
	}
	if n := c.Buffered(); n != 0 {
		t.Fatalf("Buffered() = %d after the handshake and one GET", n)
	}
}
