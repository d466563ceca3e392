package redis

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// TestBrokenReplies runs one GET against fake servers that misbehave. Each
// must make Read fail with the error that tells the worker to close the
// connection.
func TestBrokenReplies(t *testing.T) {
	tests := []struct {
		name   string
		reply  string
		hangUp bool
		want   error
	}{
		{"garbage", "hello\r\n", false, messages.ErrProtocol},
		{"bad line end", "+OK\n", false, messages.ErrProtocol},
		{"bad length", "$x1\r\n", false, messages.ErrProtocol},
		{"bulk overrun", "$1\r\nabc\r\n", false, messages.ErrProtocol},
		{"array for get", "*1\r\n$1\r\na\r\n", false, messages.ErrProtocol},
		{"integer for get", ":1\r\n", false, messages.ErrProtocol},
		{"huge bulk", "$99999999999\r\n", false, messages.ErrProtocol},
		{"bulk length overflow", "$18446744073709551617\r\nx\r\n", false, messages.ErrProtocol},
		{"huge array", "*99999999999\r\n", false, messages.ErrProtocol},
		{"deep arrays", strings.Repeat("*1\r\n", 1000), false, messages.ErrProtocol},
		{"close before reply", "", true, messages.ErrConnection},
		{"close mid-line", "$10", true, messages.ErrConnection},
		{"close mid-reply", "$10\r\nabc", true, messages.ErrConnection},
		{"stall", "", false, messages.ErrTimeout},
		{"stall mid-reply", "$10\r\nabc", false, messages.ErrTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, startFake(t, tc.reply, tc.hangUp).Addr, Options{})
			req := &messages.Get{Key: "k"}
			if err := c.SetDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if err := c.Write(req); err != nil {
				t.Fatalf("write: %v", err)
			}
			if err := c.Flush(); err != nil {
				t.Fatalf("flush: %v", err)
			}
			r, err := read(c, req)
			wantErr(t, err, tc.want)
			untouched(t, r)
		})
	}
}

// TestTimeoutIsDeadline checks that a timeout also matches the standard
// library's deadline errors, so callers testing either way agree.
func TestTimeoutIsDeadline(t *testing.T) {
	c := dial(t, startFake(t, "", false).Addr, Options{})
	req := &messages.Get{Key: "k"}
	_ = c.SetDeadline(time.Now().Add(20 * time.Millisecond))
	_ = c.Write(req)
	_ = c.Flush()
	_, err := read(c, req)
	for _, target := range []error{messages.ErrTimeout, os.ErrDeadlineExceeded,
		context.DeadlineExceeded} {
		if !errors.Is(err, target) {
			t.Errorf("%v does not match %v", err, target)
		}
	}
}

// TestDialHandshakeTimeout dials a server that never answers AUTH: the Dial
// context bounds the handshake, and the error leaks no password.
func TestDialHandshakeTimeout(t *testing.T) {
	srv := startFake(t, "", false)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c, err := New(Options{Password: "s3cret"}).Dial(ctx, srv.Addr)
	if c != nil {
		_ = c.Close()
	}
	wantErr(t, err, messages.ErrConnection)
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %q holds the password", err)
	}
}

// TestDialCanceled cancels the Dial context while AUTH waits for a reply.
func TestDialCanceled(t *testing.T) {
	srv := startFake(t, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		poll(func() bool { return srv.received() != "" })
		cancel()
	}()
	c, err := New(Options{Password: "pw"}).Dial(ctx, srv.Addr)
	if c != nil {
		_ = c.Close()
	}
	wantErr(t, err, context.Canceled)
	wantErr(t, err, messages.ErrConnection)
}

func TestDialCanceledBeforeConnect(t *testing.T) {
	srv := startFake(t, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Dial(ctx, srv.Addr)
	wantErr(t, err, messages.ErrConnection)
	wantErr(t, err, context.Canceled)
}
