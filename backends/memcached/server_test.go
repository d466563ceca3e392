package memcached

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// step is one request sent to a real memcached and what its reply must be.
type step struct {
	name string
	req  messages.Request
	err  error                                 // the Reply's Err must wrap it (nil: success)
	ok   func(t *testing.T, r *messages.Reply) // further checks, if any
}

// hasValue checks a Get's hit.
func hasValue(value string, flags uint32) func(*testing.T, *messages.Reply) {
	return func(t *testing.T, r *messages.Reply) {
		if string(r.Value) != value || r.Flags != flags || r.CAS == 0 {
			t.Fatalf("got value %q flags %d cas %d, want %q flags %d and a CAS token",
				r.Value, r.Flags, r.CAS, value, flags)
		}
	}
}

// hasInt checks an Incr's new value.
func hasInt(n int64) func(*testing.T, *messages.Reply) {
	return func(t *testing.T, r *messages.Reply) {
		if r.Int != n {
			t.Fatalf("got counter %d, want %d", r.Int, n)
		}
	}
}

func set(mode messages.StoreMode, key, value string) *messages.Set {
	return &messages.Set{Mode: mode, Key: key, Value: []byte(value)}
}

// TestRequests runs every kind of request, in order, against one memcached.
func TestRequests(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	get := func(k string) *messages.Get { return &messages.Get{Key: k} }
	steps := []step{
		{"get miss", get("k"), messages.ErrMiss, nil},
		{"set", &messages.Set{Key: "k", Value: []byte("v1"), Flags: 42}, nil, nil},
		{"get hit", get("k"), nil, hasValue("v1", 42)},
		{"add existing", set(messages.ModeAdd, "k", "x"), messages.ErrNotStored, nil},
		{"add new", set(messages.ModeAdd, "k2", "a"), nil, nil},
		{"replace missing", set(messages.ModeReplace, "k3", "x"), messages.ErrNotStored, nil},
		{"replace", set(messages.ModeReplace, "k", "v2"), nil, nil},
		{"append", set(messages.ModeAppend, "k", "+a"), nil, nil},
		{"prepend", set(messages.ModePrepend, "k", "p+"), nil, nil},
		{"get edited", get("k"), nil, hasValue("p+v2+a", 0)}, // replace set flags 0
		{"append missing", set(messages.ModeAppend, "k3", "x"), messages.ErrNotStored, nil},
		{"cas missing", &messages.Set{Mode: messages.ModeCAS, Key: "k3", CAS: 1},
			messages.ErrMiss, nil},
		{"delete", &messages.Delete{Key: "k"}, nil, nil},
		{"delete again", &messages.Delete{Key: "k"}, messages.ErrMiss, nil},
		{"incr missing", &messages.Incr{Key: "n", Delta: 1}, messages.ErrMiss, nil},
		{"set counter", set(messages.ModeSet, "n", "10"), nil, nil},
		{"incr", &messages.Incr{Key: "n", Delta: 5}, nil, hasInt(15)},
		{"decr", &messages.Incr{Key: "n", Delta: -3}, nil, hasInt(12)},
		{"incr zero", &messages.Incr{Key: "n"}, nil, hasInt(12)},
		{"decr floors at zero", &messages.Incr{Key: "n", Delta: math.MinInt64}, nil, hasInt(0)},
		{"incr max", &messages.Incr{Key: "n", Delta: math.MaxInt64}, nil,
			hasInt(math.MaxInt64)},
		{"incr non-number", &messages.Incr{Key: "k2", Delta: 1}, messages.ErrServer, nil},
		{"touch missing", &messages.Touch{Key: "k3", TTL: time.Hour}, messages.ErrMiss, nil},
		{"touch", &messages.Touch{Key: "k2", TTL: time.Hour}, nil, nil},
		{"set 31 days", &messages.Set{Key: "far", Value: []byte("f"), TTL: 31 * 24 * time.Hour},
			nil, nil},
		{"get 31 days", get("far"), nil, hasValue("f", 0)},
		{"still in step", get("k2"), nil, hasValue("a", 0)},
	}
	for _, s := range steps {
		rep := roundTrip(t, c, s.req)
		if s.err == nil && rep.Err != nil || !errors.Is(rep.Err, s.err) {
			t.Fatalf("%s: reply error %v, want %v", s.name, rep.Err, s.err)
		}
		if s.ok != nil {
			s.ok(t, rep)
		}
	}
}

func TestCAS(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	roundTrip(t, c, set(messages.ModeSet, "k", "v1"))
	token := roundTrip(t, c, &messages.Get{Key: "k"}).CAS

	swap := &messages.Set{Mode: messages.ModeCAS, Key: "k", Value: []byte("v2"), CAS: token}
	if rep := roundTrip(t, c, swap); rep.Err != nil {
		t.Fatalf("cas with a fresh token: %v", rep.Err)
	}
	// The token is stale now that the swap changed the value.
	rep := roundTrip(t, c, swap)
	wantErr(t, "cas with a stale token", rep.Err, messages.ErrCASConflict)
	if got := roundTrip(t, c, &messages.Get{Key: "k"}); string(got.Value) != "v2" {
		t.Fatalf("value after cas = %q, want v2", got.Value)
	}
}

func TestGetMulti(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	roundTrip(t, c, &messages.Set{Key: "a", Value: []byte("1"), Flags: 1})
	roundTrip(t, c, &messages.Set{Key: "c", Value: []byte("3"), Flags: 3})

	rep := roundTrip(t, c, &messages.GetMulti{Keys: []string{"a", "b", "c", "a"}})
	if rep.Err != nil || len(rep.Items) != 2 {
		t.Fatalf("got err %v and %d items, want 2 hits", rep.Err, len(rep.Items))
	}
	for k, want := range map[string]string{"a": "1", "c": "3"} {
		it := rep.Items[k]
		if string(it.Value) != want || it.Flags != uint32(want[0]-'0') || it.CAS == 0 {
			t.Errorf("item %s = %+v, want value %s", k, it, want)
		}
	}
	if _, ok := rep.Items["b"]; ok {
		t.Error("miss b is in Items")
	}

	rep = roundTrip(t, c, &messages.GetMulti{Keys: []string{"x", "y"}})
	if rep.Err != nil || len(rep.Items) != 0 {
		t.Fatalf("all misses: got err %v and %d items", rep.Err, len(rep.Items))
	}
}

// TestGetMultiLarge: a multi-get line far longer than memcached's read
// buffer is still served.
func TestGetMultiLarge(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("%0200d", i)
		if i%2 == 0 {
			if err := c.Write(set(messages.ModeSet, keys[i], keys[i][190:])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(keys); i += 2 {
		if rep, err := readReply(c, &messages.Set{}); err != nil || rep.Err != nil {
			t.Fatalf("set %d: %v %v", i, err, rep.Err)
		}
	}
	rep := roundTrip(t, c, &messages.GetMulti{Keys: keys})
	if len(rep.Items) != len(keys)/2 {
		t.Fatalf("got %d items, want %d", len(rep.Items), len(keys)/2)
	}
}

// TestPipeline writes three requests, flushes once, and reads the three
// replies in order.
func TestPipeline(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	reqs := []messages.Request{
		set(messages.ModeSet, "p", "piped"),
		&messages.Get{Key: "p"},
		&messages.Delete{Key: "p"},
	}
	for _, r := range reqs {
		if err := c.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		rep, err := readReply(c, r)
		if err != nil || rep.Err != nil {
			t.Fatalf("reply %d: %v %v", i, err, rep.Err)
		}
		if i == 1 && string(rep.Value) != "piped" {
			t.Fatalf("pipelined get = %q", rep.Value)
		}
	}
}

// TestServerErrorKeepsStep: memcached refuses a value over its own item
// limit with SERVER_ERROR, and the connection stays usable.
func TestServerErrorKeepsStep(t *testing.T) {
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{MaxValueSize: 2 << 20}), srv.Addr)
	big := &messages.Set{Key: "big", Value: make([]byte, 3<<19)}
	rep := roundTrip(t, c, big)
	wantErr(t, "set over the server's limit", rep.Err, messages.ErrServer)
	var se *ServerError
	if !errors.As(rep.Err, &se) || !strings.HasPrefix(se.Line, "SERVER_ERROR") {
		t.Fatalf("reply error %#v is not a SERVER_ERROR line", rep.Err)
	}
	roundTrip(t, c, set(messages.ModeSet, "after", "ok"))
	if got := roundTrip(t, c, &messages.Get{Key: "after"}); string(got.Value) != "ok" {
		t.Fatalf("after a server error, get = %q %v", got.Value, got.Err)
	}
}

// TestTTLExpiry sets a one-second TTL and polls until the value is gone.
func TestTTLExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a memcached clock tick")
	}
	srv := testserver.Memcached(t)
	c := dial(t, New(Options{}), srv.Addr)
	roundTrip(t, c, &messages.Set{Key: "t", Value: []byte("v"), TTL: time.Millisecond})
	roundTrip(t, c, &messages.Set{Key: "kept", Value: []byte("v"), TTL: time.Hour})

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(4 * time.Second)
	for roundTrip(t, c, &messages.Get{Key: "t"}).Err == nil {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("value with a 1 ms TTL (rounded to 1 s) still there after 4 s")
		}
	}
	if rep := roundTrip(t, c, &messages.Get{Key: "kept"}); rep.Err != nil {
		t.Fatalf("value with a 1 h TTL: %v", rep.Err)
	}
}
