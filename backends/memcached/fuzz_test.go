package memcached

import (
	"bufio"
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
)

// fuzzMaxValue is the value size limit of the fuzzed parser, small so that a
// byte count just over it is easy to reach.
const fuzzMaxValue = 64

// fuzzAllocBound is more than parsing any reply to fuzzRequests may
// allocate: a reader buffer, a value of fuzzMaxValue per key, a map and
// some error text.
const fuzzAllocBound = 64 << 10

var fuzzRequests = []messages.Request{
	&messages.Get{Key: "k"},
	&messages.GetMulti{Keys: []string{"a", "b", "a"}},
	&messages.Set{Key: "k"},
	&messages.Delete{Key: "k"},
	&messages.Incr{Key: "k", Delta: 1},
	&messages.Touch{Key: "k"},
}

// FuzzReadReply feeds arbitrary server bytes to the parser as the reply to
// each kind of request. It must never panic nor allocate beyond the bound,
// and must return either a well-formed reply or a connection-ending error.
func FuzzReadReply(f *testing.F) {
	for _, seed := range []string{
		"END\r\n", "VALUE k 1 3 9\r\nabc\r\nEND\r\n",
		"VALUE a 0 1 1\r\nx\r\nVALUE b 2 0 2\r\n\r\nVALUE a 0 1 3\r\ny\r\nEND\r\n",
		"STORED\r\n", "NOT_STORED\r\n", "EXISTS\r\n", "NOT_FOUND\r\n", "DELETED\r\n",
		"TOUCHED\r\n", "42\r\n", "7  \r\n", "9223372036854775808\r\n",
		"SERVER_ERROR out of memory\r\n", "CLIENT_ERROR bad\r\n", "ERROR\r\n",
		"VALUE k 0 99999999999999999999 1\r\n", "VALUE k 0 65 1\r\n",
		"VALUE k 0 3 1\r\nabcXY", "STORED\n", "VALUE k 0 1 1\r\nx\r\nSERVER_ERROR\r\n",
		strings.Repeat("x", 300) + "\r\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, req := range fuzzRequests {
			p := parser{r: bufio.NewReaderSize(bytes.NewReader(data), 256),
				maxValue: fuzzMaxValue}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rep, err := p.read(req)
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > fuzzAllocBound {
				t.Fatalf("%T: parsing %d bytes allocated %d", req, len(data), n)
			}
			checkParsed(t, req, rep, err)
		}
	})
}

// checkParsed checks what the parser returned for req.
func checkParsed(t *testing.T, req messages.Request, rep *messages.Reply, err error) {
	if (rep == nil) == (err == nil) {
		t.Fatalf("%T: got reply %v and error %v; want exactly one", req, rep, err)
	}
	if err != nil {
		if !errors.Is(err, messages.ErrProtocol) && !errors.Is(err, messages.ErrConnection) {
			t.Fatalf("%T: error %v is neither ErrProtocol nor ErrConnection", req, err)
		}
		return
	}
	if !isOutcome(rep.Err) {
		t.Fatalf("%T: reply carries unexpected error %v", req, rep.Err)
	}
	if len(rep.Value) > fuzzMaxValue || rep.Int < 0 {
		t.Fatalf("%T: value of %d bytes, counter %d", req, len(rep.Value), rep.Int)
	}
	for k, it := range rep.Items {
		if k != "a" && k != "b" || len(it.Value) > fuzzMaxValue {
			t.Fatalf("%T: item %q of %d bytes", req, k, len(it.Value))
		}
	}
}

// isOutcome reports whether err is one a clean reply may carry.
func isOutcome(err error) bool {
	for _, target := range []error{nil, messages.ErrMiss, messages.ErrNotStored,
		messages.ErrCASConflict, messages.ErrServer} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// forbiddenKeyBytes is every byte a memcached key may not hold: the ASCII
// control characters, space, and DEL.
var forbiddenKeyBytes = func() string {
	var b strings.Builder
	for c := 0; c <= ' '; c++ {
		b.WriteByte(byte(c))
	}
	b.WriteByte(0x7f)
	return b.String()
}()

// FuzzCheckKey compares checkKey with an independent statement of the rule.
func FuzzCheckKey(f *testing.F) {
	for _, seed := range []string{"foo", "foo bar", "a\r\nb", "", "\x7f", "caf\xc3\xa9",
		"\xff\xfe", strings.Repeat("k", 250), strings.Repeat("k", 251), "tab\there"} {
		f.Add(seed)
	}
	b := New(Options{})
	f.Fuzz(func(t *testing.T, key string) {
		// Every byte of a key under 0x80 is a rune of its own, and no
		// forbidden byte is 0x80 or over, so ContainsAny sees them all.
		valid := len(key) >= 1 && len(key) <= 250 && !strings.ContainsAny(key, forbiddenKeyBytes)
		err := checkKey(key)
		if valid != (err == nil) {
			t.Fatalf("checkKey(%q) = %v, but the key is valid=%v", key, err, valid)
		}
		if err != nil && (!errors.Is(err, messages.ErrMalformedKey) || len(err.Error()) > 256) {
			t.Fatalf("checkKey(%q) = %v", key, err)
		}
		if gotErr := b.Check(&messages.Get{Key: key}); (gotErr == nil) != valid {
			t.Fatalf("Check(Get %q) = %v, but the key is valid=%v", key, gotErr, valid)
		}
	})
}
