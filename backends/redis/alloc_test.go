package redis

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// loopConn is an in-memory server that answers every write with reply, as
// redis answers each flushed command when one request is in flight at a
// time. Reads give the replies owed; with none owed they find the end.
type loopConn struct {
	memConn
	reply []byte
	left  []byte // what is unread of the reply being read
	owed  int    // replies written for and not yet begun
}

func (c *loopConn) Write(p []byte) (int, error) {
	c.owed++
	return len(p), nil
}

func (c *loopConn) Read(p []byte) (int, error) {
	if len(c.left) == 0 {
		if c.owed == 0 {
			return 0, io.EOF
		}
		c.owed--
		c.left = c.reply
	}
	n := copy(p, c.left)
	c.left = c.left[n:]
	return n, nil
}

// loopback returns a connection to a loopConn that answers reply.
func loopback(reply string) *conn {
	opts := Options{}.withDefaults()
	return newConn(&opts, &loopConn{reply: []byte(reply)})
}

// TestCodecAllocs counts what a request allocates in the codec, from
// Write to the end of Read: a hit only its value's bytes, and every other
// reply of herd's own requests nothing.
func TestCodecAllocs(t *testing.T) {
	tests := []struct {
		req   messages.Request
		reply string
		want  float64
	}{
		{&messages.Get{Key: "key:00042"}, bulk(strings.Repeat("v", 100)), 1},
		{&messages.Get{Key: "key:00042"}, "$-1\r\n", 0},
		{&messages.Set{Key: "key:00042", Value: make([]byte, 100)}, "+OK\r\n", 0},
		{&messages.Set{Mode: messages.ModeAdd, Key: "k", TTL: time.Minute}, "$-1\r\n", 0},
		{&messages.Set{Mode: messages.ModeAppend, Key: "k", Value: []byte("v")}, ":3\r\n", 0},
		{&messages.Delete{Key: "k"}, ":1\r\n", 0},
		{&messages.Incr{Key: "k", Delta: 1}, ":42\r\n", 0},
		{&messages.Touch{Key: "k", TTL: time.Minute}, ":1\r\n", 0},
	}
	for _, tc := range tests {
		c := loopback(tc.reply)
		var r messages.Reply
		got := testing.AllocsPerRun(100, func() {
			r = messages.Reply{}
			if err := c.Write(tc.req); err != nil {
				t.Fatal(err)
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := c.Read(tc.req, &r); err != nil {
				t.Fatal(err)
			}
		})
		if got != tc.want {
			t.Errorf("%T %+v: %v allocations, want %v", tc.req, tc.req, got, tc.want)
		}
	}
}

// TestDoShapes reads every kind of reply to a Do: the shapes the package
// documents, an error reply at the top in Err, one nested in the Result.
func TestDoShapes(t *testing.T) {
	tests := []struct {
		reply string
		want  any
	}{
		{"+OK\r\n", "OK"},
		{"+some status\r\n", "some status"},
		{":-5\r\n", int64(-5)},
		{bulk("abc"), []byte("abc")},
		{bulk(""), []byte{}},
		{"$-1\r\n", nil},
		{"*-1\r\n", nil},
		{"*0\r\n", []any{}},
		{"*3\r\n-ERR x\r\n+QUEUED\r\n*1\r\n$-1\r\n",
			[]any{&ServerError{Text: "ERR x"}, "QUEUED", []any{nil}}},
	}
	do := &messages.Do{Key: "k", Command: "X"}
	for _, tc := range tests {
		hasResult(tc.want)(t, call(t, loopback(tc.reply), do))
	}
	r := call(t, loopback("-ERR top\r\n"), do)
	wantErr(t, r.Err, messages.ErrServer)
	if r.Result != nil || r.Err.Error() != "herd: server error: ERR top" {
		t.Fatalf("reply %+v", r)
	}
}
