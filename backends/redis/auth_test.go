package redis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

func TestAuth(t *testing.T) {
	srv := testserver.Redis(t, "--requirepass", "s3cret")

	t.Run("right password", func(t *testing.T) {
		c := dial(t, srv.Addr, Options{Password: "s3cret"})
		ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte("v")}))
		hasValue("v")(t, call(t, c, &messages.Get{Key: "k"}))
	})
	t.Run("wrong password", func(t *testing.T) {
		wantDialRefused(t, srv.Addr, Options{Password: "wrong-pw-1"}, "WRONGPASS")
	})
	t.Run("no password", func(t *testing.T) {
		// Without AUTH the server answers every command with NOAUTH, an
		// error reply: the connection is in step, the request fails.
		c := dial(t, srv.Addr, Options{})
		r := call(t, c, &messages.Get{Key: "k"})
		wantErr(t, r.Err, messages.ErrServer)
		if !strings.Contains(r.Err.Error(), "NOAUTH") {
			t.Fatalf("error %q, want NOAUTH", r.Err)
		}
	})
	t.Run("acl user", func(t *testing.T) {
		admin := dial(t, srv.Addr, Options{Password: "s3cret"})
		setUser := &messages.Do{Key: "alice", Command: "ACL",
			Args: []any{"SETUSER", "alice", "on", ">alice-pw", "~app:*", "+@all"}}
		hasResult("OK")(t, call(t, admin, setUser))

		c := dial(t, srv.Addr, Options{Username: "alice", Password: "alice-pw"})
		ok()(t, call(t, c, &messages.Set{Key: "app:k", Value: []byte("v")}))
		// The ACL's key pattern is enforced: another key is refused.
		r := call(t, c, &messages.Get{Key: "other"})
		wantErr(t, r.Err, messages.ErrServer)
		wantDialRefused(t, srv.Addr, Options{Username: "alice", Password: "wrong-pw-2"},
			"WRONGPASS")
	})
}

// wantDialRefused dials with opts and wants an ErrConnection that carries
// redis's text and not the password.
func wantDialRefused(t *testing.T, addr string, opts Options, text string) {
	t.Helper()
	c, err := dialErr(addr, opts)
	if err == nil {
		_ = c.Close()
		t.Fatal("dial succeeded")
	}
	wantErr(t, err, messages.ErrConnection)
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if opts.Password != "" && strings.Contains(s, opts.Password) {
			t.Fatalf("error %q holds the password", s)
		}
	}
	if !strings.Contains(err.Error(), text) {
		t.Fatalf("error %q does not carry redis's %q", err, text)
	}
}

func TestSelectDB(t *testing.T) {
	srv := testserver.Redis(t)
	db0 := dial(t, srv.Addr, Options{})
	db3 := dial(t, srv.Addr, Options{DB: 3})

	ok()(t, call(t, db3, &messages.Set{Key: "k", Value: []byte("three")}))
	isErr(messages.ErrMiss)(t, call(t, db0, &messages.Get{Key: "k"}))
	hasValue("three")(t, call(t, db3, &messages.Get{Key: "k"}))

	// A database the server does not have fails the dial.
	wantDialRefused(t, srv.Addr, Options{DB: 99}, "DB index is out of range")
}

func TestAuthAndSelect(t *testing.T) {
	srv := testserver.Redis(t, "--requirepass", "s3cret")
	c := dial(t, srv.Addr, Options{Password: "s3cret", DB: 2})
	ok()(t, call(t, c, &messages.Set{Key: "k", Value: []byte("v")}))
	db := call(t, c, &messages.Do{Key: "k", Command: "CLIENT", Args: []any{"INFO"}})
	if info, _ := db.Result.([]byte); !strings.Contains(string(info), " db=2 ") {
		t.Fatalf("client info %q, want db=2", info)
	}
}
