package redis

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
)

// smallGuard has limits small enough to reach in a test: a budget of 128
// bytes (a bulk string that long, or 8 array slots) and 6 elements.
func smallGuard() *guard { return &guard{budget: 128, elems: 6} }

// slotBound's budget, not its element bound, is what limits arrays.
func slotBound() *guard { return &guard{budget: 48, elems: 6} }

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// verdict is what the guard made of a whole stream.
type verdict struct {
	passed   int    // bytes let through
	refused  bool   // whether it refused
	boundary bool   // whether it ended between replies
	replies  uint64 // top-level replies it let through whole
	tail     uint64 // bytes it let through of the next
}

// framing is v without the counts.
func (v verdict) framing() verdict {
	return verdict{passed: v.passed, refused: v.refused, boundary: v.boundary}
}

// feed gives stream to g in chunks of size bytes, or all at once for 0.
func feed(g *guard, stream string, size int) verdict {
	if size <= 0 {
		size = len(stream) + 1
	}
	v := verdict{}
	for p := []byte(stream); len(p) > 0 && !v.refused; {
		chunk := p[:min(size, len(p))]
		n, err := g.scan(chunk)
		v.passed += n
		v.refused = err != nil
		p = p[len(chunk):]
	}
	v.boundary = g.state == stType && g.depth == 0
	v.replies, v.tail = g.replies, g.tail
	return v
}

// guardCases lists streams and how many bytes of each may pass: all of a
// good stream, and of a bad one the bytes before the one that broke a rule.
var guardCases = []struct {
	name   string
	g      func() *guard // nil: smallGuard
	stream string
	passed int // -1: all of it
}{
	{"simple lines", nil, "+OK\r\n-ERR bad\r\n-1\r\n+\r\n", -1},
	{"integers", nil, ":42\r\n:-9223372036854775808\r\n:9223372036854775807\r\n", -1},
	{"nulls and empties", nil, "$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n", -1},
	{"leading zero", nil, "$03\r\nabc\r\n$00000000000000000001\r\nx\r\n", -1},
	{"payload like headers", nil, bulk("\r\n$99999\r\n*99999\r\n:x") + bulk("ab\r\n"), -1},
	{"payload at the bound", nil, bulk(strings.Repeat("$", 128)), -1},
	{"pipelined", nil, "+OK\r\n" + bulk("abc") + ":1\r\n*2\r\n" + bulk("a") + "$-1\r\n", -1},
	{"nested", nil, "*3\r\n*2\r\n:1\r\n*1\r\n+x\r\n*0\r\n" + bulk("\r\n*9\r\n") + ":2\r\n", -1},
	{"slots freed as filled", nil,
		"*2\r\n*4\r\n" + strings.Repeat(":1\r\n", 4) + "*5\r\n" + strings.Repeat("+\r\n", 5), -1},
	{"bulk beside open slots", nil, "*6\r\n" + bulk(strings.Repeat("x", 32)) +
		strings.Repeat(":1\r\n", 5), -1},
	{"longest text line", nil, "+" + strings.Repeat("x", maxLine-3) + "\r\n", -1},

	{"bulk over the bound", nil, "$129\r\n", 3},
	{"huge bulk", nil, "$99999999999\r\n", 3},
	{"huge bulk after a good reply", nil, bulk("abc") + "$99999999999\r\n", 12},
	{"bulk over what open slots left", nil, "*6\r\n$33\r\n", 6},
	{"array over the bound", nil, "*7\r\n", 1},
	{"nested arrays over the bound", nil, "*4\r\n*3\r\n", 5},
	{"slots over the budget", slotBound, "*4\r\n", 1},
	{"nested slots over the budget", slotBound, "*2\r\n*2\r\n", 5},
	{"too deep", func() *guard { return &guard{budget: 1 << 20, elems: 1000} },
		strings.Repeat("*1\r\n", maxDepth+1), maxDepth*4 + 3},
	{"integer overflow", nil, ":9223372036854775808\r\n", 19},
	{"negative integer overflow", nil, ":-9223372036854775809\r\n", 20},
	{"empty integer", nil, ":\r\n", 2},
	{"double sign", nil, ":--1\r\n", 2},
	{"sign after digits", nil, ":1-\r\n", 2},
	{"too many digits", nil, "$" + strings.Repeat("0", maxDigits) + "1\r\n", maxDigits + 1},
	{"negative length", nil, "$-2\r\n", 2},
	{"negative zero length", nil, "$-0\r\n", 4},
	{"negative array", nil, "*-2\r\n", 2},
	{"sign only", nil, "$-\r\n", 3},
	{"no length", nil, "$\r\n", 2},
	{"letter in length", nil, "$1x\r\n", 2},
	{"bare LF", nil, "$1\n", 2},
	{"CR not followed by LF", nil, "$1\rx\n", 3},
	{"bulk overrun", nil, "$3\r\nabcd\r\n", 7},
	{"bad trailer LF", nil, "$3\r\nabc\rx", 8},
	{"unknown type", nil, "?\r\n", 0},
	{"empty line", nil, "\r\n", 0},
	{"text line too long", nil, "+" + strings.Repeat("x", maxLine) + "\r\n", maxLine},

	{"default: huge bulk", defaultGuard, "$99999999999\r\n", 8},
	{"default: overflow to 1", defaultGuard, "$18446744073709551617\r\nx\r\n", 9},
	{"default: one element too many", defaultGuard, "*1048577\r\n", 7},
	{"default: array and bulk over 1 GB", defaultGuard, "*33619967\r\n$537919488\r\n", 7},
	{"default: bulk over what the array left", defaultGuard,
		"*1048576\r\n$17825793\r\n", 18},
}

func defaultGuard() *guard { return newGuard(DefaultMaxValueSize) }

// TestGuardVerdicts feeds every stream whole, a byte at a time and in odd
// chunks: the guard must pass the same bytes, reach the same verdict and
// count the same replies.
func TestGuardVerdicts(t *testing.T) {
	for _, tc := range guardCases {
		t.Run(tc.name, func(t *testing.T) {
			mk := tc.g
			if mk == nil {
				mk = smallGuard
			}
			want := verdict{passed: tc.passed, refused: true}
			if tc.passed < 0 {
				want = verdict{passed: len(tc.stream), boundary: true}
			}
			whole := feed(mk(), tc.stream, 0)
			for _, size := range []int{1, 2, 3, 7} {
				if got := feed(mk(), tc.stream, size); got != whole {
					t.Errorf("chunks of %d: %+v, whole: %+v", size, got, whole)
				}
			}
			got := whole.framing()
			if tc.passed >= 0 {
				got.boundary = false // mid-line, by definition
			}
			if got != want {
				t.Errorf("%+v, want %+v", got, want)
			}
		})
	}
}

// The budget is MaxValueSize plus budgetSlack, and the element bound
// maxElems whatever MaxValueSize is. The default limits admit headers up
// to the bounds, an array's slots and a bulk string inside it together; a
// limit that does not fit in an int64 is clamped rather than wrapped.
func TestNewGuardLimits(t *testing.T) {
	g := newGuard(1000)
	if g.budget != 1000+budgetSlack || g.elems != maxElems {
		t.Fatalf("limits %d, %d", g.budget, g.elems)
	}
	budget := DefaultMaxValueSize + budgetSlack
	left := budget - maxElems*slotSize
	for _, head := range []string{
		fmt.Sprintf("$%d\r\n", budget),
		fmt.Sprintf("*%d\r\n", maxElems),
		fmt.Sprintf("*%d\r\n$%d\r\n", maxElems, left),
		fmt.Sprintf("*2\r\n*%d\r\n", maxElems-2),
	} {
		if v := feed(defaultGuard(), head, 0); v.refused || v.boundary {
			t.Errorf("default limits: %q: %+v, want a header let through", head, v)
		}
	}
	huge := newGuard(int(^uint(0) >> 1))
	if huge.budget != 1<<63-1 {
		t.Fatalf("clamped budget %d", huge.budget)
	}
	if v := feed(huge, "$9223372036854775807\r\n", 0); v.refused {
		t.Fatalf("refused the largest length: %+v", v)
	}
	if v := feed(newGuard(1<<62), "*1048577\r\n", 0); !v.refused {
		t.Fatalf("a large budget raised the element bound: %+v", v)
	}
}

// The guard counts top-level replies let through whole and the bytes of
// the next, however the stream is cut, and unread reports what lies beyond
// those read.
func TestGuardCountsReplies(t *testing.T) {
	tests := []struct {
		stream        string
		replies, tail uint64
	}{
		{"", 0, 0},
		{"+OK\r\n", 1, 0},
		{":1\r\n" + bulk("abc"), 2, 0},
		{"*0\r\n$-1\r\n*-1\r\n-ERR x\r\n", 4, 0},
		{"*1\r\n*1\r\n*0\r\n", 1, 0},
		{"*2\r\n:1\r\n", 0, 8},
		{"*2\r\n:1\r\n:2\r\n+OK", 1, 3},
		{bulk("a") + "$3\r\nab", 1, 6},
	}
	for _, tc := range tests {
		for _, size := range []int{0, 1, 2, 3, 7} {
			v := feed(smallGuard(), tc.stream, size)
			if v.refused || v.replies != tc.replies || v.tail != tc.tail {
				t.Errorf("%q in chunks of %d: %+v, want %d replies and %d bytes",
					tc.stream, size, v, tc.replies, tc.tail)
			}
		}
	}
}

func TestGuardUnread(t *testing.T) {
	g := smallGuard()
	feed(g, ":1\r\n:2\r\n$3\r\nab", 0)
	for read, want := range []int{6 + 2*minReply, 6 + minReply, 6} {
		if got := g.unread(uint64(read)); got != want {
			t.Errorf("unread(%d) = %d, want %d", read, got, want)
		}
	}
	feed(g, "c\r\n", 0)
	if got := g.unread(3); got != 0 {
		t.Errorf("unread(3) after the last reply = %d, want 0", got)
	}
}

// A refusal sticks, matches errGuard, and classify makes it a protocol
// error.
func TestGuardRefusalSticks(t *testing.T) {
	g := smallGuard()
	if _, err := g.scan([]byte("$999\r\n")); !errors.Is(err, errGuard) {
		t.Fatalf("scan: %v", err)
	}
	n, err := g.scan([]byte("+OK\r\n"))
	if n != 0 || !errors.Is(err, errGuard) {
		t.Fatalf("after a refusal: %d, %v", n, err)
	}
	wantErr(t, classify(err), messages.ErrProtocol)
}

// The guard allocates nothing while bytes pass.
func TestGuardAllocs(t *testing.T) {
	g := defaultGuard()
	p := []byte("*3\r\n" + bulk("value\r\n$9") + ":-12\r\n+OK\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := g.scan(p); n != len(p) || err != nil {
			t.Fatalf("scan: %d, %v", n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per scan", allocs)
	}
}
