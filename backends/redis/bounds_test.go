package redis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
)

// limits sets a reader's bounds: its budget and its element bound.
type limits struct{ budget, elems uint64 }

// smallLimits are small enough to reach in a test: a budget of 128 bytes
// (a bulk string that long, or 8 array slots) and 6 elements.
var smallLimits = &limits{budget: 128, elems: 6}

// slotBound's budget, not its element bound, is what limits arrays.
var slotBound = &limits{budget: 48, elems: 6}

// deepLimits admit arrays nested beyond maxDepth.
var deepLimits = &limits{budget: 1 << 20, elems: 1000}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// chunked hands out its data at most size bytes a read.
type chunked struct {
	data []byte
	size int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// verdict is what a reader made of a whole stream.
type verdict struct {
	values  []any // the replies read whole
	refused bool  // whether it refused the next one
	short   bool  // whether the stream ended inside the next one
}

// readAll reads replies from stream until it ends or a read fails, through
// a buffer of bufSize bytes fed chunk bytes at a time (0: all at once),
// with the default limits for nil.
func readAll(stream string, chunk, bufSize int, l *limits) verdict {
	if chunk <= 0 {
		chunk = len(stream) + 1
	}
	src := &chunked{data: []byte(stream), size: chunk}
	p := newReader(src, bufSize, DefaultMaxValueSize)
	if l != nil {
		p.budget, p.elems = l.budget, l.elems
	}
	var v verdict
	for len(src.data) > 0 || p.r.Buffered() > 0 {
		val, err := p.value()
		switch {
		case errors.Is(err, messages.ErrProtocol):
			v.refused = true
			return v
		case err != nil:
			v.short = true
			return v
		}
		v.values = append(v.values, val)
	}
	return v
}

// boundCases lists streams and how many whole replies of each are read:
// all of a good stream, and of a bad one those before the one that broke
// a rule.
var boundCases = []struct {
	name   string
	l      *limits // nil: the defaults
	stream string
	good   int // -1: all of it
}{
	{"simple lines", smallLimits, "+OK\r\n-ERR bad\r\n-1\r\n+\r\n+a\rb\r\n", -1},
	{"integers", smallLimits,
		":42\r\n:-9223372036854775808\r\n:9223372036854775807\r\n:-0\r\n", -1},
	{"nulls and empties", smallLimits, "$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n", -1},
	{"leading zero", smallLimits, "$03\r\nabc\r\n$00000000000000000001\r\nx\r\n", -1},
	{"payload like headers", smallLimits,
		bulk("\r\n$99999\r\n*99999\r\n:x") + bulk("ab\r\n"), -1},
	{"payload at the bound", smallLimits, bulk(strings.Repeat("$", 128)), -1},
	{"pipelined", smallLimits,
		"+OK\r\n" + bulk("abc") + ":1\r\n*2\r\n" + bulk("a") + "$-1\r\n", -1},
	{"nested", smallLimits,
		"*3\r\n*2\r\n:1\r\n*1\r\n+x\r\n*0\r\n" + bulk("\r\n*9\r\n") + ":2\r\n", -1},
	{"slots freed as filled", smallLimits,
		"*2\r\n*4\r\n" + strings.Repeat(":1\r\n", 4) + "*5\r\n" + strings.Repeat("+\r\n", 5), -1},
	{"bulk beside open slots", smallLimits, "*6\r\n" + bulk(strings.Repeat("x", 32)) +
		strings.Repeat(":1\r\n", 5), -1},
	{"longest text line", smallLimits, "+" + strings.Repeat("x", maxLine-3) + "\r\n", -1},
	{"deepest arrays", deepLimits, strings.Repeat("*1\r\n", maxDepth) + ":1\r\n", -1},

	{"bulk over the bound", smallLimits, "$129\r\n", 0},
	{"huge bulk", smallLimits, "$99999999999\r\n", 0},
	{"huge bulk after a good reply", smallLimits, bulk("abc") + "$99999999999\r\n", 1},
	{"bulk over what open slots left", smallLimits, "*6\r\n$33\r\n", 0},
	{"array over the bound", smallLimits, "*7\r\n", 0},
	{"nested arrays over the bound", smallLimits, "*4\r\n*3\r\n", 0},
	{"slots over the budget", slotBound, "*4\r\n", 0},
	{"nested slots over the budget", slotBound, "*2\r\n*2\r\n", 0},
	{"too deep", deepLimits, strings.Repeat("*1\r\n", maxDepth+1), 0},
	{"integer overflow", smallLimits, ":9223372036854775808\r\n", 0},
	{"negative integer overflow", smallLimits, ":-9223372036854775809\r\n", 0},
	{"empty integer", smallLimits, ":\r\n", 0},
	{"double sign", smallLimits, ":--1\r\n", 0},
	{"plus sign", smallLimits, ":+1\r\n", 0},
	{"sign after digits", smallLimits, ":1-\r\n", 0},
	{"too many digits", smallLimits, "$" + strings.Repeat("0", maxDigits) + "1\r\n", 0},
	{"negative length", smallLimits, "$-2\r\n", 0},
	{"negative zero length", smallLimits, "$-0\r\n", 0},
	{"negative one with a zero", smallLimits, "$-01\r\n", 0},
	{"negative array", smallLimits, "*-2\r\n", 0},
	{"sign only", smallLimits, "$-\r\n", 0},
	{"no length", smallLimits, "$\r\n", 0},
	{"letter in length", smallLimits, "$1x\r\n", 0},
	{"bare LF", smallLimits, "$1\n", 0},
	{"bare LF after text", smallLimits, "+OK\n", 0},
	{"CR not followed by LF", smallLimits, "$1\rx\n", 0},
	{"bulk overrun", smallLimits, "$3\r\nabcd\r\n", 0},
	{"bad trailer LF", smallLimits, "$3\r\nabc\rx", 0},
	{"unknown type", smallLimits, "?\r\n", 0},
	{"unknown type, no line end", smallLimits, ":1\r\n?", 1},
	{"empty line", smallLimits, "\r\n", 0},
	{"text line too long", smallLimits, "+" + strings.Repeat("x", maxLine) + "\r\n", 0},
	{"text line too long, no end", smallLimits, "-" + strings.Repeat("x", maxLine), 0},
	{"header too long, no end", smallLimits, "$" + strings.Repeat("1", maxHeader), 0},

	{"default: huge bulk", nil, "$99999999999\r\n", 0},
	{"default: overflow to 1", nil, "$18446744073709551617\r\nx\r\n", 0},
	{"default: one element too many", nil, "*1048577\r\n", 0},
	{"default: array and bulk over 1 GB", nil, "*33619967\r\n$537919488\r\n", 0},
	{"default: bulk over what the array left", nil, "*1048576\r\n$17825793\r\n", 0},
}

// TestBounds reads every stream whole, a byte at a time and in odd chunks,
// through the connection's buffer and the smallest one: the reader must
// read the same replies and reach the same verdict.
func TestBounds(t *testing.T) {
	for _, tc := range boundCases {
		t.Run(tc.name, func(t *testing.T) {
			whole := readAll(tc.stream, 0, readBufferSize, tc.l)
			switch {
			case tc.good < 0 && (whole.refused || whole.short):
				t.Fatalf("good stream: %+v", whole.flags())
			case tc.good >= 0 && (!whole.refused || len(whole.values) != tc.good):
				t.Fatalf("%s, want %d good replies, then a refusal", whole.flags(), tc.good)
			}
			for _, size := range []int{1, 2, 3, 7} {
				for _, buf := range []int{readBufferSize, maxHeader} {
					got := readAll(tc.stream, size, buf, tc.l)
					if !reflect.DeepEqual(got, whole) {
						t.Errorf("chunks of %d, buffer of %d: %s; whole: %s",
							size, buf, got.flags(), whole.flags())
					}
				}
			}
		})
	}
}

func (v verdict) flags() string {
	return fmt.Sprintf("%d replies, refused %v, short %v", len(v.values), v.refused, v.short)
}

// The budget is MaxValueSize plus budgetSlack, and the element bound
// maxElems whatever MaxValueSize is. The default limits admit headers up
// to the bounds, an array's slots and a bulk string inside it together; a
// limit that does not fit in an int64 is clamped rather than wrapped.
func TestReaderLimits(t *testing.T) {
	p := newReader(nil, 0, 1000)
	if p.budget != 1000+budgetSlack || p.elems != maxElems || p.r.Size() != maxHeader {
		t.Fatalf("limits %d, %d, buffer %d", p.budget, p.elems, p.r.Size())
	}
	budget := DefaultMaxValueSize + budgetSlack
	left := budget - maxElems*slotSize
	for _, head := range []string{
		fmt.Sprintf("$%d\r\n", budget),
		fmt.Sprintf("*%d\r\n", maxElems),
		fmt.Sprintf("*%d\r\n$%d\r\n", maxElems, left),
		fmt.Sprintf("*2\r\n*%d\r\n", maxElems-2),
	} {
		if v := readAll(head, 0, readBufferSize, nil); v.refused || !v.short {
			t.Errorf("default limits: %q: %s, want a header let through", head, v.flags())
		}
	}
	huge := newReader(nil, 0, int(^uint(0)>>1))
	if huge.budget != maxBudget {
		t.Fatalf("clamped budget %d", huge.budget)
	}
	if n, err := huge.number('$', []byte("9223372036854775805")); err != nil || n != maxBudget {
		t.Fatalf("the largest length: %d, %v", n, err)
	}
	if _, err := huge.number('$', []byte("9223372036854775806")); err == nil {
		t.Fatal("a length past the clamped budget passed")
	}
	if _, err := newReader(nil, 0, 1<<62).number('*', []byte("1048577")); err == nil {
		t.Fatal("a large budget raised the element bound")
	}
}

// A failed read sticks: the stream is out of step, so the good reply
// behind a refused one is never read.
func TestReadFailureSticks(t *testing.T) {
	c := newConn(&fuzzOpts, memConn{bytes.NewReader([]byte("$x\r\n" + bulk("v")))})
	get := &messages.Get{Key: "k"}
	_, first := exchange(c, get)
	wantErr(t, first, messages.ErrProtocol)
	r, err := exchange(c, get)
	if err != first {
		t.Fatalf("second read: %v, want the first failure %v", err, first)
	}
	untouched(t, r)
}
