package discovery

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// addrCases are NormalizeAddr's table; want "" means the entry is rejected.
var addrCases = []struct{ in, want string }{
	{"", ""},
	{"   ", ""},
	{"host", ""},
	{":11211", ""},
	{"host:", ""},
	{"host:0", ""},
	{"host:65536", ""},
	{"host:99999999999999999999", ""},
	{"host:-1", ""},
	{"host:+1", ""},
	{"host:011211", ""},
	{"host:0x10", ""},
	{"host:1", "host:1"},
	{"host:65535", "host:65535"},
	{"HOST:11211", "host:11211"},
	{"host:11211", "host:11211"},
	{" host:1 ", "host:1"},
	{"\thost:1\n", "host:1"},
	{"a b:1", ""},
	{"a\tb:1", ""},
	{"hôst:1", ""},
	{"Cache-1.Example.COM.:11211", "cache-1.example.com:11211"},
	{"cache_1.local:1", "cache_1.local:1"},
	{"a..b:1", ""},
	{".a:1", ""},
	{".:1", ""},
	{strings.Repeat("a", 64) + ":1", ""},
	{strings.Repeat("a", 63) + ":1", strings.Repeat("a", 63) + ":1"},
	{"10.0.0.1:11211", "10.0.0.1:11211"},
	{"010.0.0.1:11211", ""},
	{"10.0.0.256:1", ""},
	{"10.0.0:1", ""},
	{"12345:1", ""},
	{"[::1]:6379", "[::1]:6379"},
	{"[0:0:0:0:0:0:0:1]:6379", "[::1]:6379"},
	{"[FE80::A]:6379", "[fe80::a]:6379"},
	{"[::ffff:10.0.0.1]:1", "[::ffff:10.0.0.1]:1"},
	{"::1:6379", ""},
	{"[::1]", ""},
	{"[::1]:", ""},
	{"[fe80::1%eth0]:1", ""},
	{"[10.0.0.1]:1", ""},
	{"[host]:1", ""},
	{"host:1:2", ""},
	{"a[b]:1", ""},
}

func TestNormalizeAddr(t *testing.T) {
	for _, c := range addrCases {
		got, err := NormalizeAddr(c.in)
		if c.want == "" {
			if err == nil || !errors.Is(err, messages.ErrMalformedAddress) {
				t.Errorf("NormalizeAddr(%q) = %q, %v; want ErrMalformedAddress", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalizeAddr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestNormalizeAddrReason(t *testing.T) {
	_, err := NormalizeAddr("host:011211")
	want := `herd: malformed node address "host:011211": port "011211" has a leading zero`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestClean(t *testing.T) {
	in := []routing.Node{
		{Addr: "b:2", Weight: 3},
		{Addr: " HOST:11211 ", Weight: 0},
		{Addr: "host:11211", Weight: 5}, // duplicate of the entry above
		{Addr: "bad", Weight: 1},
		{Addr: "[::1]:6379", Weight: 1},
		{Addr: "neg:1", Weight: -1},
		{Addr: "huge:1", Weight: routing.MaxWeight + 1},
		{Addr: "a:1", Weight: routing.MaxWeight},
	}
	kept, rejected := Clean(in)

	wantKept := []routing.Node{
		{Addr: "[::1]:6379", Weight: 1},
		{Addr: "a:1", Weight: routing.MaxWeight},
		{Addr: "b:2", Weight: 3},
		{Addr: "host:11211", Weight: 1},
	}
	if !slices.Equal(kept, wantKept) {
		t.Errorf("kept = %v, want %v", kept, wantKept)
	}
	checkRejected(t, rejected, "host:11211", "bad", "neg:1", "huge:1")
	if !strings.Contains(rejected[0].Err.Error(), `duplicate of " HOST:11211 "`) {
		t.Errorf("duplicate's error %q does not name the entry kept", rejected[0].Err)
	}
}

// checkRejected checks the rejected entries, in order, and their errors.
func checkRejected(t *testing.T, rejected []Rejected, entries ...string) {
	t.Helper()
	got := make([]string, len(rejected))
	for i, r := range rejected {
		got[i] = r.Entry
		if !errors.Is(r.Err, messages.ErrMalformedAddress) {
			t.Errorf("rejection of %q: %v does not wrap ErrMalformedAddress", r.Entry, r.Err)
		}
	}
	if !slices.Equal(got, entries) {
		t.Errorf("rejected %q, want %q", got, entries)
	}
}

func TestCleanEmpty(t *testing.T) {
	for _, in := range [][]routing.Node{nil, {}, {{Addr: ""}}} {
		if kept, _ := Clean(in); len(kept) != 0 {
			t.Errorf("Clean(%v) kept %v", in, kept)
		}
	}
}

func TestCleanLeavesInputAlone(t *testing.T) {
	in := []routing.Node{{Addr: "B:1"}, {Addr: "a:1"}}
	Clean(in)
	if in[0] != (routing.Node{Addr: "B:1"}) || in[1] != (routing.Node{Addr: "a:1"}) {
		t.Errorf("Clean changed its input: %v", in)
	}
}

func FuzzNormalizeAddr(f *testing.F) {
	for _, c := range addrCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeAddr(s)
		if err != nil {
			if !errors.Is(err, messages.ErrMalformedAddress) {
				t.Fatalf("NormalizeAddr(%q): %v does not wrap ErrMalformedAddress", s, err)
			}
			return
		}
		again, err := NormalizeAddr(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeAddr(%q) = %q, but that normalises to %q, %v", s, out, again, err)
		}
		if _, _, err := net.SplitHostPort(out); err != nil {
			t.Fatalf("NormalizeAddr(%q) = %q, which net cannot split: %v", s, out, err)
		}
	})
}
