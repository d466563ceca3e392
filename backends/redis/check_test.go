package redis

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// otherRequest is a request the redis backend does not know.
type otherRequest struct{}

func (otherRequest) RoutingKey() string { return "k" }

// checkOpts has a small value limit so that oversize values stay cheap.
var checkOpts = Options{MaxValueSize: 16}

var refused = []struct {
	name string
	req  messages.Request
	err  error
}{
	{"empty key", &messages.Get{}, messages.ErrMalformedKey},
	{"key over limit", &messages.Get{Key: strings.Repeat("k", DefaultMaxKeySize+1)},
		messages.ErrMalformedKey},
	{"empty key in set", &messages.Set{Value: []byte("v")}, messages.ErrMalformedKey},
	{"empty key in delete", &messages.Delete{}, messages.ErrMalformedKey},
	{"empty key in incr", &messages.Incr{Delta: 1}, messages.ErrMalformedKey},
	{"empty key in touch", &messages.Touch{}, messages.ErrMalformedKey},
	{"empty key in get-multi", &messages.GetMulti{Keys: []string{"a", ""}},
		messages.ErrMalformedKey},
	{"empty key in do", &messages.Do{Command: "PING"}, messages.ErrMalformedKey},
	{"value over limit", &messages.Set{Key: "k", Value: make([]byte, 17)},
		messages.ErrValueTooLarge},
	{"append over limit", &messages.Set{Mode: messages.ModeAppend, Key: "k",
		Value: make([]byte, 17)}, messages.ErrValueTooLarge},
	{"do argument over limit", &messages.Do{Key: "k", Command: "SET",
		Args: []any{"k", strings.Repeat("v", 17)}}, messages.ErrValueTooLarge},
	{"negative set ttl", &messages.Set{Key: "k", TTL: -time.Second},
		messages.ErrInvalidRequest},
	{"negative touch ttl", &messages.Touch{Key: "k", TTL: -1}, messages.ErrInvalidRequest},
	{"flags", &messages.Set{Key: "k", Flags: 1}, messages.ErrUnsupported},
	{"prepend", &messages.Set{Mode: messages.ModePrepend, Key: "k"}, messages.ErrUnsupported},
	{"cas", &messages.Set{Mode: messages.ModeCAS, Key: "k", CAS: 9}, messages.ErrUnsupported},
	{"unknown mode", &messages.Set{Mode: 42, Key: "k"}, messages.ErrUnsupported},
	{"append with ttl", &messages.Set{Mode: messages.ModeAppend, Key: "k", TTL: time.Second},
		messages.ErrUnsupported},
	{"empty get-multi", &messages.GetMulti{}, messages.ErrInvalidRequest},
	{"empty command", &messages.Do{Key: "k"}, messages.ErrInvalidRequest},
	{"nil request", nil, messages.ErrInvalidRequest},
	{"nil get", (*messages.Get)(nil), messages.ErrInvalidRequest},
	{"unknown request", otherRequest{}, messages.ErrUnsupported},
}

func TestCheck(t *testing.T) {
	b := New(checkOpts)
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, b.Check(tc.req), tc.err) })
	}
	accepted := []messages.Request{
		&messages.Get{Key: strings.Repeat("k", DefaultMaxKeySize)},
		&messages.Get{Key: "\x00 \r\n"},
		&messages.Set{Key: "k", Value: make([]byte, 16), TTL: time.Second},
		&messages.Set{Mode: messages.ModeAppend, Key: "k"},
		&messages.Touch{Key: "k"},
		&messages.Do{Key: "k", Command: "GET", Args: []any{"k", 1, nil}},
	}
	for _, req := range accepted {
		wantErr(t, b.Check(req), nil)
	}
}

// TestRefusedNeverSent writes every refused request to a connection whose
// server records what it receives, then one good request. The server must
// receive exactly the good one: nothing of a refused request was buffered.
func TestRefusedNeverSent(t *testing.T) {
	srv := startFake(t, "$1\r\nv\r\n", false)
	c := dial(t, srv.Addr, checkOpts)
	for _, tc := range refused {
		wantErr(t, c.Write(tc.req), tc.err)
		r, err := read(c, tc.req)
		if err != nil {
			t.Fatalf("%s: read of a refused request = %v, %v", tc.name, r, err)
		}
		wantErr(t, r.Err, tc.err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}

	good := &messages.Get{Key: "k"}
	hasValue("v")(t, call(t, c, good))
	const wire = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	waitFor(t, "the good request", func() bool { return len(srv.received()) >= len(wire) })
	if got := srv.received(); got != wire {
		t.Fatalf("server received %q, want %q", got, wire)
	}
}

// Commands that change the connection's state are refused before anything
// is sent: on a shared connection the next caller would get their replies.
func TestDoRefusesStatefulCommands(t *testing.T) {
	b := New(Options{})
	for _, cmd := range []string{"SUBSCRIBE", "psubscribe", "MONITOR", "HELLO",
		"MULTI", "SELECT", "AUTH", "QUIT", "RESET", "WATCH"} {
		err := b.Check(&messages.Do{Key: "k", Command: cmd, Args: []any{"k"}})
		if !errors.Is(err, messages.ErrUnsupported) {
			t.Errorf("Do %s: %v, want ErrUnsupported", cmd, err)
		}
	}
	for _, sub := range []any{"REPLY", []byte("tracking")} {
		err := b.Check(&messages.Do{Key: "k", Command: "client", Args: []any{sub, "OFF"}})
		if !errors.Is(err, messages.ErrUnsupported) {
			t.Errorf("Do CLIENT %s: %v, want ErrUnsupported", sub, err)
		}
	}
	for _, ok := range []*messages.Do{
		{Key: "h", Command: "HGET", Args: []any{"h", "f"}},
		{Key: "k", Command: "CLIENT", Args: []any{"ID"}},
	} {
		if err := b.Check(ok); err != nil {
			t.Fatalf("Do %s: %v", ok.Command, err)
		}
	}
}
