package memcached

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

func TestEncode(t *testing.T) {
	clock := func() time.Time { return time.Unix(1_700_000_000, 0) }
	tests := []struct {
		req  messages.Request
		want string
	}{
		{&messages.Get{Key: "foo"}, "gets foo\r\n"},
		{&messages.GetMulti{Keys: []string{"a", "b", "c"}}, "gets a b c\r\n"},
		{&messages.Set{Key: "k", Value: []byte("hi"), Flags: 7, TTL: time.Minute},
			"set k 7 60 2\r\nhi\r\n"},
		{&messages.Set{Mode: messages.ModeAdd, Key: "k"}, "add k 0 0 0\r\n\r\n"},
		{&messages.Set{Mode: messages.ModeReplace, Key: "k", Value: []byte("v")},
			"replace k 0 0 1\r\nv\r\n"},
		{&messages.Set{Mode: messages.ModeAppend, Key: "k", Value: []byte("v")},
			"append k 0 0 1\r\nv\r\n"},
		{&messages.Set{Mode: messages.ModePrepend, Key: "k", Value: []byte("v")},
			"prepend k 0 0 1\r\nv\r\n"},
		{&messages.Set{Mode: messages.ModeCAS, Key: "k", Value: []byte("v"),
			Flags: math.MaxUint32, CAS: math.MaxUint64, TTL: 31 * 24 * time.Hour},
			"cas k 4294967295 1702678400 1 18446744073709551615\r\nv\r\n"},
		{&messages.Delete{Key: "k"}, "delete k\r\n"},
		{&messages.Incr{Key: "n", Delta: 5}, "incr n 5\r\n"},
		{&messages.Incr{Key: "n"}, "incr n 0\r\n"},
		{&messages.Incr{Key: "n", Delta: -3}, "decr n 3\r\n"},
		{&messages.Incr{Key: "n", Delta: math.MinInt64}, "decr n 9223372036854775808\r\n"},
		{&messages.Incr{Key: "n", Delta: math.MaxInt64}, "incr n 9223372036854775807\r\n"},
		{&messages.Touch{Key: "k", TTL: 1500 * time.Millisecond}, "touch k 2\r\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		if err := encode(w, tt.req, clock); err != nil {
			t.Fatalf("encode(%#v): %v", tt.req, err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("encode(%#v) = %q, want %q", tt.req, buf.String(), tt.want)
		}
	}
}

// TestHotPathAllocs: checking and encoding the common requests allocates
// nothing.
func TestHotPathAllocs(t *testing.T) {
	b := New(Options{})
	w := bufio.NewWriter(io.Discard)
	reqs := []messages.Request{
		&messages.Get{Key: "some:key"},
		&messages.Set{Key: "some:key", Value: make([]byte, 100), TTL: time.Minute},
		&messages.Incr{Key: "n", Delta: -1},
		&messages.GetMulti{Keys: []string{"a", "b", "c"}},
	}
	for _, req := range reqs {
		allocs := testing.AllocsPerRun(100, func() {
			if b.Check(req) != nil || encode(w, req, time.Now) != nil {
				t.Fatal("check or encode failed")
			}
		})
		if allocs != 0 {
			t.Errorf("%T: %v allocations per check and encode, want 0", req, allocs)
		}
	}
}
