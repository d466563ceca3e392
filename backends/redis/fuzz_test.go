package redis

import (
	"bytes"
	"errors"
	"net"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// memConn is a net.Conn whose server is a fixed byte string: reads come
// from it, writes vanish, deadlines do nothing.
type memConn struct{ r *bytes.Reader }

func (c memConn) Read(p []byte) (int, error)     { return c.r.Read(p) }
func (memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (memConn) Close() error                     { return nil }
func (memConn) LocalAddr() net.Addr              { return nil }
func (memConn) RemoteAddr() net.Addr             { return nil }
func (memConn) SetDeadline(time.Time) error      { return nil }
func (memConn) SetReadDeadline(time.Time) error  { return nil }
func (memConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzOpts keeps the guard's budget small (about 1 MiB of bulk string and
// array slots together), so that the fuzzer can reach it cheaply.
var fuzzOpts = Options{MaxValueSize: 1 << 10}.withDefaults()

// fuzzAllocBase is what one request may allocate however short its input:
// redigo's buffers, and the bulk string and array slots the guard admits
// ahead of their data. Beyond it, allocation must follow the input.
const fuzzAllocBase = 4 << 20

// fuzzRequests holds one request of each kind, and both forms of Touch.
var fuzzRequests = []messages.Request{
	&messages.Get{Key: "k"},
	&messages.Set{Key: "k", Value: []byte("v")},
	&messages.Set{Mode: messages.ModeAdd, Key: "k", Value: []byte("v"), TTL: time.Second},
	&messages.Set{Mode: messages.ModeAppend, Key: "k", Value: []byte("v")},
	&messages.Delete{Key: "k"},
	&messages.Incr{Key: "k", Delta: 1},
	&messages.Touch{Key: "k", TTL: time.Minute},
	&messages.Touch{Key: "k"},
	&messages.GetMulti{Keys: []string{"a", "b", "c"}},
	&messages.Do{Key: "k", Command: "HGETALL", Args: []any{"k"}},
}

// Errors a reply's Err may wrap, and those a failed exchange must wrap.
var (
	replyErrs = []error{messages.ErrMiss, messages.ErrNotStored, messages.ErrCASConflict,
		messages.ErrMalformedKey, messages.ErrValueTooLarge, messages.ErrInvalidRequest,
		messages.ErrUnsupported, messages.ErrServer, messages.ErrProtocol,
		messages.ErrConnection, messages.ErrTimeout}
	connErrs = []error{messages.ErrProtocol, messages.ErrConnection, messages.ErrTimeout}
)

var fuzzSeeds = []string{
	"+OK\r\n", "$1\r\nv\r\n", "$-1\r\n", ":1\r\n", ":0\r\n:1\r\n", ":-3\r\n",
	"-ERR wrong\r\n", "-WRONGTYPE x\r\n+OK\r\n",
	"*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n",
	"*2\r\n$1\r\nf\r\n$1\r\nv\r\n" + "$4\r\n\r\n$9\r\n",
	"*2\r\n*1\r\n:1\r\n*0\r\n", "$0\r\n\r\n+OK\r\n",
	"$99999999999\r\n", "*99999999999\r\n", "$18446744073709551617\r\nx\r\n",
	":99999999999999999999\r\n", "$1048577\r\n", "*65600\r\n*1\r\n",
	strings.Repeat("*1\r\n", 100), "hello\r\n", "$3\r\nabcd\r\n", "$-2\r\n", "\r\n",
	"+" + strings.Repeat("x", maxLine) + "\r\n", "",
}

// FuzzReadReply feeds arbitrary server bytes to a connection, one request
// of each kind at a time. Nothing may panic or allocate far beyond its
// input, every outcome must be one a worker knows how to handle, and the
// guard must count at least the replies redigo returns and reach the same
// verdict and counts however the bytes are cut.
func FuzzReadReply(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, req := range fuzzRequests {
			fuzzRequest(t, req, data)
		}
		whole := feed(newGuard(fuzzOpts.MaxValueSize), string(data), 0)
		bytewise := feed(newGuard(fuzzOpts.MaxValueSize), string(data), 1)
		if whole != bytewise {
			t.Fatalf("guard verdicts differ: whole %+v, bytewise %+v", whole, bytewise)
		}
	})
}

// fuzzRequest sends req up to three times on one connection over data,
// reading on while the connection stays in step.
func fuzzRequest(t *testing.T, req messages.Request, data []byte) {
	before := allocated()
	c := newConn(&fuzzOpts, memConn{bytes.NewReader(data)})
	for range 3 {
		r, err := exchange(c, req)
		checkOutcome(t, req, r, err)
		if err != nil {
			break
		}
		if c.g.replies < c.received {
			t.Fatalf("%T: redigo returned %d replies, the guard let through %d",
				req, c.received, c.g.replies)
		}
	}
	limit := fuzzAllocBase + 64*uint64(len(data))
	if grown := allocated() - before; grown > limit {
		t.Fatalf("%T over %d input bytes allocated %d bytes", req, len(data), grown)
	}
}

// exchange writes req, flushes and reads its reply, as a worker does.
func exchange(c *conn, req messages.Request) (*messages.Reply, error) {
	if err := c.Write(req); err != nil {
		return nil, err
	}
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return c.Read(req)
}

func checkOutcome(t *testing.T, req messages.Request, r *messages.Reply, err error) {
	t.Helper()
	switch {
	case err != nil && r != nil:
		t.Fatalf("%T: reply %+v beside error %v", req, r, err)
	case err != nil && !wrapsOne(err, connErrs):
		t.Fatalf("%T: error %v wraps no connection-level sentinel", req, err)
	case err == nil && r == nil:
		t.Fatalf("%T: no reply and no error", req)
	case err == nil && r.Err != nil && !wrapsOne(r.Err, replyErrs):
		t.Fatalf("%T: reply error %v wraps no sentinel", req, r.Err)
	}
}

// allocated returns how many bytes the heap has handed out so far. Unlike
// runtime.ReadMemStats it does not stop the world, which would slow the
// fuzzer several times over. Large allocations, the ones that matter
// here, are counted as they happen.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func wrapsOne(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
