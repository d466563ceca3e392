package memcached

import (
	"errors"
	"strings"
	"testing"

	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// The default value limit fits memcached's default item size with the
// longest key: a value at the limit is stored, one byte more is refused
// before it is sent.
func TestDefaultLimitFitsServer(t *testing.T) {
	srv := testserver.Memcached(t)
	b := New(Options{})
	c := dial(t, b, srv.Addr)
	key := strings.Repeat("k", maxKeyLen)

	at := &messages.Set{Key: key, Value: make([]byte, DefaultMaxValueSize)}
	if r := roundTrip(t, c, at); r.Err != nil {
		t.Fatalf("value at the default limit: %v", r.Err)
	}
	got := roundTrip(t, c, &messages.Get{Key: key})
	if got.Err != nil || len(got.Value) != DefaultMaxValueSize {
		t.Fatalf("read back %d bytes, err %v", len(got.Value), got.Err)
	}
	over := &messages.Set{Key: key, Value: make([]byte, DefaultMaxValueSize+1)}
	if err := b.Check(over); !errors.Is(err, messages.ErrValueTooLarge) {
		t.Fatalf("one byte over the limit: %v, want ErrValueTooLarge", err)
	}
}

// When the server's own item limit is the smaller one, its refusal is still
// recognisable as ErrValueTooLarge (and as ErrServer), and the connection
// stays usable.
func TestServerRefusesLargeItem(t *testing.T) {
	srv := testserver.Memcached(t, "-I", "1m")
	c := dial(t, New(Options{MaxValueSize: 2 << 20}), srv.Addr)

	r := roundTrip(t, c, &messages.Set{Key: "big", Value: make([]byte, 3<<19)})
	if !errors.Is(r.Err, messages.ErrValueTooLarge) || !errors.Is(r.Err, messages.ErrServer) {
		t.Fatalf("server refusal: %v, want ErrValueTooLarge and ErrServer", r.Err)
	}
	if r := roundTrip(t, c, &messages.Set{Key: "small", Value: []byte("v")}); r.Err != nil {
		t.Fatalf("connection after a refused item: %v", r.Err)
	}
}
