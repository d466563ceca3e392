package memcached

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// TestRefusedRequestsSendNothing writes each bad request to a listener of the
// test's own that records every byte it receives, and proves it received
// none.
func TestRefusedRequestsSendNothing(t *testing.T) {
	long := strings.Repeat("k", 251)
	tests := []struct {
		name string
		req  messages.Request
		want error
	}{
		{"space", &messages.Get{Key: "foo bar"}, messages.ErrMalformedKey},
		{"crlf", &messages.Get{Key: "a\r\nb"}, messages.ErrMalformedKey},
		{"empty", &messages.Get{Key: ""}, messages.ErrMalformedKey},
		{"251 bytes", &messages.Get{Key: long}, messages.ErrMalformedKey},
		{"set crlf", &messages.Set{Key: "a\r\nb", Value: []byte("v")}, messages.ErrMalformedKey},
		{"delete space", &messages.Delete{Key: "foo bar"}, messages.ErrMalformedKey},
		{"incr empty", &messages.Incr{Key: ""}, messages.ErrMalformedKey},
		{"touch 251", &messages.Touch{Key: long}, messages.ErrMalformedKey},
		{"multi one bad", &messages.GetMulti{Keys: []string{"ok", "foo bar"}},
			messages.ErrMalformedKey},
		{"multi none", &messages.GetMulti{}, messages.ErrInvalidRequest},
		{"too large", &messages.Set{Key: "k", Value: make([]byte, 17)},
			messages.ErrValueTooLarge},
		{"negative ttl", &messages.Set{Key: "k", TTL: -time.Second},
			messages.ErrInvalidRequest},
		{"do", &messages.Do{Key: "k", Command: "flush_all"}, messages.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, drain)
			c := dial(t, New(Options{MaxValueSize: 16}), f.Addr())
			wantErr(t, "Write", c.Write(tt.req), tt.want)
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
			f.wait(t)
			if got := f.received(); got != "" {
				t.Fatalf("server received %q, want nothing", got)
			}
		})
	}
}

// TestRefusalKeepsConnUsable: after refused writes, the next good request
// is all the server sees.
func TestRefusalKeepsConnUsable(t *testing.T) {
	f := startFake(t, drain)
	c := dial(t, New(Options{MaxValueSize: 16}), f.Addr())
	bad := []messages.Request{
		&messages.Get{Key: "foo bar"},
		&messages.Set{Key: "k", Value: make([]byte, 17)},
		&messages.GetMulti{Keys: []string{"a", "b\r\nflush_all"}},
	}
	for _, r := range bad {
		if err := c.Write(r); err == nil {
			t.Fatalf("Write(%#v) succeeded", r)
		}
	}
	if err := c.Write(&messages.Get{Key: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	f.wait(t)
	if got := f.received(); got != "gets ok\r\n" {
		t.Fatalf("server received %q, want only %q", got, "gets ok\r\n")
	}
}

// TestGarbageReplies: a reply that breaks the protocol fails Read with
// ErrProtocol. The fake keeps the connection open, so the error cannot come
// from the connection closing.
func TestGarbageReplies(t *testing.T) {
	get := &messages.Get{Key: "k"}
	setReq := &messages.Set{Key: "k"}
	tests := []struct {
		name  string
		req   messages.Request
		reply string
	}{
		{"bare ERROR", get, "ERROR\r\n"},
		{"nonsense", get, "HELLO\r\n"},
		{"wrong status", setReq, "DELETED\r\n"},
		{"no CR", setReq, "STORED\n"},
		{"key not asked", get, "VALUE other 0 1 1\r\nx\r\nEND\r\n"},
		{"second VALUE", get, "VALUE k 0 1 1\r\nx\r\nVALUE k 0 1 1\r\nx\r\nEND\r\n"},
		{"multi out of order", &messages.GetMulti{Keys: []string{"a", "b"}},
			"VALUE b 0 1 1\r\nx\r\nVALUE a 0 1 1\r\nx\r\nEND\r\n"},
		{"bad byte count", get, "VALUE k 0 abc 1\r\n"},
		{"negative byte count", get, "VALUE k 0 -1 1\r\n"},
		{"huge byte count", get, "VALUE k 0 99999999999999999999 1\r\n"},
		{"over the limit", get,
			"VALUE k 0 " + strconv.Itoa(DefaultMaxValueSize+readSlack+1) + " 1\r\n"},
		{"no cas", get, "VALUE k 0 1 \r\nx\r\nEND\r\n"},
		{"block not ended", get, "VALUE k 0 3 1\r\nabcXYEND\r\n"},
		{"long line", get, strings.Repeat("x", 2*readBufferSize)},
		{"incr text", &messages.Incr{Key: "n", Delta: 1}, "STORED\r\n"},
		{"incr overflow", &messages.Incr{Key: "n", Delta: 1}, "18446744073709551615\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, answer(tt.reply, false))
			c := dial(t, New(Options{}), f.Addr())
			rep, err := writeRead(t, c, tt.req)
			wantErr(t, "Read", err, messages.ErrProtocol)
			if rep != nil {
				t.Fatalf("got reply %+v beside the error", rep)
			}
		})
	}
}

// TestCloseMidValue: a server that hangs up inside a data block gives
// ErrConnection.
func TestCloseMidValue(t *testing.T) {
	for _, reply := range []string{"", "VALUE k 0 10 1\r\nabc", "VALUE k 0", "END"} {
		f := startFake(t, answer(reply, true))
		c := dial(t, New(Options{}), f.Addr())
		_, err := writeRead(t, c, &messages.Get{Key: "k"})
		wantErr(t, "Read of "+reply, err, messages.ErrConnection)
	}
}

// TestStall: a server that never answers gives ErrTimeout once the
// deadline passes.
func TestStall(t *testing.T) {
	f := startFake(t, drain)
	c := dial(t, New(Options{}), f.Addr())
	if err := c.SetDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := writeRead(t, c, &messages.Get{Key: "k"})
	wantErr(t, "Read", err, messages.ErrTimeout)
	wantErr(t, "Read", err, context.DeadlineExceeded)
}

func TestDialFailures(t *testing.T) {
	// A port the test opened and closed again: nothing listens there.
	f := startFake(t, drain)
	addr := f.Addr()
	_ = f.ln.Close()
	_, err := New(Options{}).Dial(context.Background(), addr)
	wantErr(t, "Dial to a closed port", err, messages.ErrConnection)

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = New(Options{}).Dial(ctx, addr)
	wantErr(t, "Dial with an expired context", err, messages.ErrTimeout)
}

// writeRead writes req, flushes and reads, returning what Read returns.
func writeRead(t *testing.T, c *conn, req messages.Request) (*messages.Reply, error) {
	t.Helper()
	if err := c.Write(req); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return readReply(c, req)
}

// TestServerErrorLines: SERVER_ERROR and CLIENT_ERROR end a reply cleanly;
// they come back in the Reply with the server's text, and the next reply is
// read in step.
func TestServerErrorLines(t *testing.T) {
	multi := &messages.GetMulti{Keys: []string{"a", "b"}}
	tests := []struct {
		name  string
		req   messages.Request
		reply string
		line  string
	}{
		{"get", &messages.Get{Key: "k"}, "SERVER_ERROR out of memory\r\n",
			"SERVER_ERROR out of memory"},
		{"set", &messages.Set{Key: "k"}, "CLIENT_ERROR bad data chunk\r\n",
			"CLIENT_ERROR bad data chunk"},
		{"bare", &messages.Delete{Key: "k"}, "SERVER_ERROR\r\n", "SERVER_ERROR"},
		{"incr", &messages.Incr{Key: "k"}, "CLIENT_ERROR cannot increment\r\n",
			"CLIENT_ERROR cannot increment"},
		{"multi after a hit", multi, "VALUE a 0 1 1\r\nx\r\nSERVER_ERROR out of memory\r\n",
			"SERVER_ERROR out of memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, answer(tt.reply+"STORED\r\n", false))
			c := dial(t, New(Options{}), f.Addr())
			rep, err := writeRead(t, c, tt.req)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			wantErr(t, "reply", rep.Err, messages.ErrServer)
			if se, ok := rep.Err.(*ServerError); !ok || se.Line != tt.line {
				t.Fatalf("reply error %#v, want ServerError with line %q", rep.Err, tt.line)
			}
			// The fake sent STORED after the error line: it must be next.
			next, err := readReply(c, &messages.Set{})
			if err != nil || next.Err != nil {
				t.Fatalf("next reply out of step: %v %v", err, next)
			}
		})
	}
}
