package redis

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// want checks one reply.
type want func(t *testing.T, r *messages.Reply)

func ok() want { return isErr(nil) }

func isErr(e error) want {
	return func(t *testing.T, r *messages.Reply) { t.Helper(); wantErr(t, r.Err, e) }
}

func hasValue(v string) want {
	return func(t *testing.T, r *messages.Reply) {
		t.Helper()
		wantErr(t, r.Err, nil)
		if string(r.Value) != v {
			t.Fatalf("value = %q, want %q", r.Value, v)
		}
	}
}

func hasInt(n int64) want {
	return func(t *testing.T, r *messages.Reply) {
		t.Helper()
		wantErr(t, r.Err, nil)
		if r.Int != n {
			t.Fatalf("int = %d, want %d", r.Int, n)
		}
	}
}

func hasResult(v any) want {
	return func(t *testing.T, r *messages.Reply) {
		t.Helper()
		wantErr(t, r.Err, nil)
		if !reflect.DeepEqual(r.Result, v) {
			t.Fatalf("result = %#v, want %#v", r.Result, v)
		}
	}
}

// resultIn wants an integer result in [lo, hi], such as a PTTL.
func resultIn(lo, hi int64) want {
	return func(t *testing.T, r *messages.Reply) {
		t.Helper()
		wantErr(t, r.Err, nil)
		n, ok := r.Result.(int64)
		if !ok || n < lo || n > hi {
			t.Fatalf("result = %#v, want an integer in [%d, %d]", r.Result, lo, hi)
		}
	}
}

func hasItems(items map[string]string) want {
	return func(t *testing.T, r *messages.Reply) {
		t.Helper()
		wantErr(t, r.Err, nil)
		got := map[string]string{}
		for k, it := range r.Items {
			got[k] = string(it.Value)
		}
		if !reflect.DeepEqual(got, items) {
			t.Fatalf("items = %v, want %v", got, items)
		}
	}
}

func pttl(key string) *messages.Do {
	return &messages.Do{Key: key, Command: "PTTL", Args: []any{key}}
}

// step is one request and what its reply must be. The steps of a table run
// in order on one connection, so each sees the effects of those before it.
type step struct {
	name string
	req  messages.Request
	want want
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	c := dial(t, testserver.Redis(t).Addr, Options{})
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { s.want(t, call(t, c, s.req)) })
	}
}

func TestStores(t *testing.T) {
	binKey := "a b\r\n\x00\xff"
	runSteps(t, []step{
		{"get miss", &messages.Get{Key: "k"}, isErr(messages.ErrMiss)},
		{"set", &messages.Set{Key: "k", Value: []byte("v1")}, ok()},
		{"get hit", &messages.Get{Key: "k"}, hasValue("v1")},
		{"add existing", &messages.Set{Mode: messages.ModeAdd, Key: "k"},
			isErr(messages.ErrNotStored)},
		{"add new", &messages.Set{Mode: messages.ModeAdd, Key: "n", Value: []byte("nv")}, ok()},
		{"replace missing", &messages.Set{Mode: messages.ModeReplace, Key: "none"},
			isErr(messages.ErrNotStored)},
		{"replace existing",
			&messages.Set{Mode: messages.ModeReplace, Key: "k", Value: []byte("v2")}, ok()},
		{"append", &messages.Set{Mode: messages.ModeAppend, Key: "k", Value: []byte("+x")}, ok()},
		{"get appended", &messages.Get{Key: "k"}, hasValue("v2+x")},
		{"empty value", &messages.Set{Key: "e"}, ok()},
		{"get empty value", &messages.Get{Key: "e"}, hasValue("")},
		{"binary key", &messages.Set{Key: binKey, Value: []byte{0, '\r', '\n'}}, ok()},
		{"get binary key", &messages.Get{Key: binKey}, hasValue("\x00\r\n")},
		{"delete", &messages.Delete{Key: "k"}, ok()},
		{"delete again", &messages.Delete{Key: "k"}, isErr(messages.ErrMiss)},
		{"get deleted", &messages.Get{Key: "k"}, isErr(messages.ErrMiss)},
	})
}

func TestCountersAndTTLs(t *testing.T) {
	runSteps(t, []step{
		{"incr missing starts at zero", &messages.Incr{Key: "c", Delta: 5}, hasInt(5)},
		{"decr", &messages.Incr{Key: "c", Delta: -7}, hasInt(-2)},
		{"set no ttl", &messages.Set{Key: "t", Value: []byte("v")}, ok()},
		{"pttl none", pttl("t"), hasResult(int64(-1))},
		{"set ttl", &messages.Set{Key: "t", Value: []byte("v"), TTL: time.Minute}, ok()},
		{"pttl minute", pttl("t"), resultIn(1, 60000)},
		{"set sub-ms ttl rounds up", &messages.Set{Key: "u", TTL: time.Microsecond}, ok()},
		{"add ttl", &messages.Set{Mode: messages.ModeAdd, Key: "a", TTL: time.Hour}, ok()},
		{"pttl add", pttl("a"), resultIn(3_500_000, 3_600_000)},
		{"touch missing", &messages.Touch{Key: "none", TTL: time.Minute},
			isErr(messages.ErrMiss)},
		{"touch", &messages.Touch{Key: "t", TTL: time.Hour}, ok()},
		{"pttl touched", pttl("t"), resultIn(3_500_000, 3_600_000)},
		{"persist", &messages.Touch{Key: "t"}, ok()},
		{"pttl persisted", pttl("t"), hasResult(int64(-1))},
		{"persist without ttl", &messages.Touch{Key: "t"}, ok()},
		{"persist missing", &messages.Touch{Key: "none"}, isErr(messages.ErrMiss)},
	})
}

func TestGetMultiAndDo(t *testing.T) {
	hset := &messages.Do{Key: "h", Command: "HSET", Args: []any{"h", "f", []byte("v"), "g", 7}}
	runSteps(t, []step{
		{"set a", &messages.Set{Key: "a", Value: []byte("1")}, ok()},
		{"set b", &messages.Set{Key: "b", Value: []byte("2")}, ok()},
		{"mget", &messages.GetMulti{Keys: []string{"a", "x", "b", "y"}},
			hasItems(map[string]string{"a": "1", "b": "2"})},
		{"mget all miss", &messages.GetMulti{Keys: []string{"x"}}, hasItems(map[string]string{})},
		{"hset", hset, hasResult(int64(2))},
		{"hget", &messages.Do{Key: "h", Command: "HGET", Args: []any{"h", "g"}},
			hasResult([]byte("7"))},
		{"hgetall", &messages.Do{Key: "h", Command: "HGETALL", Args: []any{"h"}},
			hasResult([]any{[]byte("f"), []byte("v"), []byte("g"), []byte("7")})},
		{"status reply", &messages.Do{Key: "h", Command: "PING"}, hasResult("PONG")},
		{"get on a hash", &messages.Get{Key: "h"}, isErr(messages.ErrServer)},
		{"unknown command", &messages.Do{Key: "h", Command: "NOSUCH"}, isErr(messages.ErrServer)},
	})
}

// TestServerErrorKeepsConnection shows that a redis error reply is an
// outcome, not a broken connection: the next request on the same
// connection is answered normally.
func TestServerErrorKeepsConnection(t *testing.T) {
	c := dial(t, testserver.Redis(t).Addr, Options{})
	call(t, c, &messages.Set{Key: "s", Value: []byte("abc")})

	r := call(t, c, &messages.Incr{Key: "s", Delta: 1})
	wantErr(t, r.Err, messages.ErrServer)
	if !bytes.Contains([]byte(r.Err.Error()), []byte("not an integer")) {
		t.Errorf("error %q does not carry redis's text", r.Err)
	}
	hasValue("abc")(t, call(t, c, &messages.Get{Key: "s"}))
}

// TestPipeline writes several requests, flushes once and reads the replies
// in order, a server error and a two-command Touch among them.
func TestPipeline(t *testing.T) {
	c := dial(t, testserver.Redis(t).Addr, Options{})
	steps := []step{
		{"set", &messages.Set{Key: "p", Value: []byte("v")}, ok()},
		{"incr non-integer", &messages.Incr{Key: "p", Delta: 1}, isErr(messages.ErrServer)},
		{"persist", &messages.Touch{Key: "p"}, ok()},
		{"get", &messages.Get{Key: "p"}, hasValue("v")},
		{"get miss", &messages.Get{Key: "q"}, isErr(messages.ErrMiss)},
	}
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if err := c.Write(s.req); err != nil {
			t.Fatalf("write %s: %v", s.name, err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	for _, s := range steps {
		r, err := read(c, s.req)
		if err != nil {
			t.Fatalf("read %s: %v", s.name, err)
		}
		t.Run(s.name, func(t *testing.T) { s.want(t, r) })
	}
}
