package redis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// memConn is a net.Conn whose server is a fixed byte stream: reads come
// from it, writes vanish, deadlines do nothing.
type memConn struct{ r io.Reader }

func (c memConn) Read(p []byte) (int, error)     { return c.r.Read(p) }
func (memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (memConn) Close() error                     { return nil }
func (memConn) LocalAddr() net.Addr              { return nil }
func (memConn) RemoteAddr() net.Addr             { return nil }
func (memConn) SetDeadline(time.Time) error      { return nil }
func (memConn) SetReadDeadline(time.Time) error  { return nil }
func (memConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzOpts keeps the budget small (about 1 MiB of bulk string and array
// slots together), so that the fuzzer can reach it cheaply.
var fuzzOpts = Options{MaxValueSize: 1 << 10}.withDefaults()

// fuzzAllocBase is what one request may allocate however short its input:
// the connection's buffers, and the bulk string and array slots the budget
// admits ahead of their data. Beyond it, allocation must follow the input.
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
	replyErrs = []error{messages.ErrMiss, messages.ErrNotStored, messages.ErrServer}
	connErrs  = []error{messages.ErrProtocol, messages.ErrConnection, messages.ErrTimeout}
)

var fuzzSeeds = []string{
	"+OK\r\n", "$1\r\nv\r\n", "$-1\r\n", ":1\r\n", ":0\r\n:1\r\n", ":-3\r\n",
	"-ERR wrong\r\n", "-WRONGTYPE x\r\n+OK\r\n",
	"*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n",
	"*2\r\n$1\r\nf\r\n$1\r\nv\r\n" + "$4\r\n\r\n$9\r\n",
	"*2\r\n*1\r\n:1\r\n*0\r\n", "$0\r\n\r\n+OK\r\n", "*2\r\n-ERR x\r\n+QUEUED\r\n",
	"$99999999999\r\n", "*99999999999\r\n", "$18446744073709551617\r\nx\r\n",
	":99999999999999999999\r\n", "$1048577\r\n", "*65600\r\n*1\r\n",
	strings.Repeat("*1\r\n", 100), "hello\r\n", "$3\r\nabcd\r\n", "$-2\r\n", "\r\n",
	"+" + strings.Repeat("x", 100), "$" + strings.Repeat("1", maxHeader), "",
}

// The line bound, maxLine, is held in TestBounds rather than by a seed of
// its length: inputs that long slow the fuzzer, minimizing above all.

// FuzzReadReply feeds arbitrary server bytes to a connection, one request
// of each kind at a time. Nothing may panic or allocate far beyond its
// input, every outcome must be one a worker knows how to handle, a failed
// read must leave its Reply alone, and the outcomes must be the same
// however the bytes are cut.
func FuzzReadReply(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, req := range fuzzRequests {
			before := allocated()
			whole := newConn(&fuzzOpts, memConn{bytes.NewReader(data)})
			got := fuzzExchanges(t, whole, req)
			limit := fuzzAllocBase + 64*uint64(len(data))
			if grown := allocated() - before; grown > limit {
				t.Fatalf("%T over %d input bytes allocated %d bytes", req, len(data), grown)
			}
			bytewise := newConn(&fuzzOpts, memConn{})
			bytewise.rd = newReader(&chunked{data: data, size: cutSize(data)}, 0,
				fuzzOpts.MaxValueSize)
			if cut := fuzzExchanges(t, bytewise, req); cut != got {
				t.Fatalf("%T: outcomes differ\nwhole:    %s\nbytewise: %s", req, got, cut)
			}
		}
	})
}

// fuzzExchanges sends req up to three times on c, reading on while the
// connection stays in step, and describes the outcomes: each reply whole,
// and a failure by the sentinel it wraps, since the words of a refusal
// may name whichever rule the bytes seen so far broke first.
func fuzzExchanges(t *testing.T, c *conn, req messages.Request) string {
	var out strings.Builder
	for range 3 {
		r, err := exchange(c, req)
		checkOutcome(t, req, r, err)
		if err != nil {
			fmt.Fprintf(&out, "failed: %v", sentinel(err))
			break
		}
		fmt.Fprintf(&out, "%+v; ", *r)
	}
	return out.String()
}

// sentinel returns the connection-level sentinel err wraps.
func sentinel(err error) error {
	for _, s := range connErrs {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

func checkOutcome(t *testing.T, req messages.Request, r *messages.Reply, err error) {
	t.Helper()
	switch {
	case err != nil && !wrapsOne(err, connErrs):
		t.Fatalf("%T: error %v wraps no connection-level sentinel", req, err)
	case err != nil && r != nil:
		untouched(t, r)
	case r.Err != nil && !wrapsOne(r.Err, replyErrs):
		t.Fatalf("%T: reply error %v wraps no sentinel", req, r.Err)
	}
}

// FuzzParseReply reads arbitrary bytes as a stream of replies, as a Do
// does, and holds the reader to the model: the same values, the same
// verdict (a reply, a refusal, or a stream that ends inside a reply), and
// the same bytes consumed, so that the reader never accepts what the
// bounds forbid nor reads into the next reply. It does so with the
// package's limits and with small ones the fuzzer reaches easily, through
// the connection's buffer and a byte at a time through the smallest.
func FuzzParseReply(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		p := newReader(nil, 0, fuzzOpts.MaxValueSize)
		l := limits{budget: p.budget, elems: p.elems}
		if small {
			l = limits{budget: 200, elems: 8}
		}
		against(t, data, l, len(data)+1, readBufferSize)
		against(t, data, l, cutSize(data), maxHeader)
	})
}

// cutSize is the size of the pieces the fuzz targets cut their input into:
// one byte, or an odd 61 for an input over 4 KiB (such as a line near
// maxLine), whose bytewise runs would slow the fuzzer to a crawl.
func cutSize(data []byte) int {
	if len(data) > 4<<10 {
		return 61
	}
	return 1
}

// against reads data with a reader of limits l, fed chunk bytes at a time
// through a buffer of bufSize bytes, and with the model, and fails the test
// where they part.
func against(t *testing.T, data []byte, l limits, chunk, bufSize int) {
	src := &chunked{data: data, size: chunk}
	p := newReader(src, bufSize, 0)
	p.budget, p.elems = l.budget, l.elems
	m := &model{data: data, budget: l.budget, elems: l.elems}
	for i := 0; ; i++ {
		want, merr := m.value()
		got, err := p.value()
		consumed := len(data) - len(src.data) - p.r.Buffered()
		switch {
		case !sameVerdict(err, merr):
			t.Fatalf("reply %d: reader %v, model %v", i, err, merr)
		case merr != nil:
			return
		case !reflect.DeepEqual(got, want):
			t.Fatalf("reply %d: reader %#v, model %#v", i, got, want)
		case consumed != m.pos:
			t.Fatalf("reply %d: reader consumed %d bytes, model %d", i, consumed, m.pos)
		case p.open != 0 || p.depth != 0:
			t.Fatalf("reply %d: %d slots and %d arrays still open", i, p.open, p.depth)
		}
	}
}

func sameVerdict(err, merr error) bool {
	switch {
	case merr == nil:
		return err == nil
	case errors.Is(merr, errRefused):
		return errors.Is(err, messages.ErrProtocol)
	}
	return errors.Is(err, messages.ErrConnection) &&
		(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF))
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
