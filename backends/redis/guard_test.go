package redis

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
)

// smallGuard has limits small enough to reach in a test: bulk strings of
// 32 bytes, 8 array slots.
func smallGuard() *guard { return &guard{maxBulk: 32, maxSlots: 8} }

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// verdict is what the guard made of a whole stream.
type verdict struct {
	passed   int  // bytes let through
	refused  bool // whether it refused
	boundary bool // whether it ended between replies
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
	{"payload at the bound", nil, bulk(strings.Repeat("$", 32)), -1},
	{"pipelined", nil, "+OK\r\n" + bulk("abc") + ":1\r\n*2\r\n" + bulk("a") + "$-1\r\n", -1},
	{"nested", nil, "*3\r\n*2\r\n:1\r\n*1\r\n+x\r\n*0\r\n" + bulk("\r\n*9\r\n") + ":2\r\n", -1},
	{"slots freed as filled", nil,
		"*4\r\n*4\r\n" + strings.Repeat(":1\r\n", 7) + "*8\r\n" + strings.Repeat("+\r\n", 8), -1},
	{"longest text line", nil, "+" + strings.Repeat("x", maxLine-3) + "\r\n", -1},

	{"bulk over the bound", nil, "$33\r\n", 2},
	{"huge bulk", nil, "$99999999999\r\n", 2},
	{"huge bulk after a good reply", nil, bulk("abc") + "$99999999999\r\n", 11},
	{"array over the bound", nil, "*9\r\n", 1},
	{"nested arrays over the bound", nil, "*4\r\n*5\r\n", 7},
	{"too deep", func() *guard { return &guard{maxBulk: 32, maxSlots: 1000} },
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

	{"default: huge bulk", defaultGuard, "$99999999999\r\n", 9},
	{"default: overflow to 1", defaultGuard, "$18446744073709551617\r\nx\r\n", 10},
	{"default: one slot too many", defaultGuard, "*33619969\r\n", 8},
}

func defaultGuard() *guard { return newGuard(DefaultMaxValueSize) }

// TestGuardVerdicts feeds every stream whole, a byte at a time and in odd
// chunks: the guard must pass the same bytes and reach the same verdict.
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
			for _, size := range []int{0, 1, 2, 3, 7} {
				got := feed(mk(), tc.stream, size)
				if tc.passed >= 0 {
					got.boundary = false // mid-line, by definition
				}
				if got != want {
					t.Errorf("chunks of %d: %+v, want %+v", size, got, want)
				}
			}
		})
	}
}

// Bulk strings are bounded just above MaxValueSize, and array slots so
// that they too stand for no more bytes than that; the default limits
// admit headers up to the bounds; a limit that does not fit in an int64 is
// clamped rather than wrapped.
func TestNewGuardLimits(t *testing.T) {
	g := newGuard(1000)
	if g.maxBulk != 1000+bulkSlack || g.maxSlots != (1000+bulkSlack)/slotSize {
		t.Fatalf("limits %d, %d", g.maxBulk, g.maxSlots)
	}
	for _, head := range []string{"$537919488\r\n", "*33619968\r\n"} {
		if v := feed(defaultGuard(), head, 0); v.refused || v.boundary {
			t.Errorf("default limits: %q: %+v, want a header let through", head, v)
		}
	}
	huge := newGuard(int(^uint(0) >> 1))
	if huge.maxBulk != 1<<63-1 {
		t.Fatalf("clamped bulk limit %d", huge.maxBulk)
	}
	if v := feed(huge, "$9223372036854775807\r\n", 0); v.refused {
		t.Fatalf("refused the largest length: %+v", v)
	}
}

// A refusal sticks, matches errGuard, and classify makes it a protocol
// error.
func TestGuardRefusalSticks(t *testing.T) {
	g := smallGuard()
	if _, err := g.scan([]byte("$99\r\n")); !errors.Is(err, errGuard) {
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
