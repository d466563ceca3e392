package redis

import (
	"runtime"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// TestHugeBulkFromServer has a server announce a 100 GB value. The guard
// refuses it before redigo allocates: Read fails at once with a protocol
// error, and the process allocates next to nothing meanwhile.
func TestHugeBulkFromServer(t *testing.T) {
	c := dial(t, startFake(t, "$99999999999\r\n", false).Addr, Options{})
	req := &messages.Get{Key: "k"}
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(req); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := c.Read(req)
	runtime.ReadMemStats(&after)
	wantErr(t, err, messages.ErrProtocol)
	if r != nil {
		t.Errorf("reply %+v beside the error", r)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
		t.Fatalf("Read allocated %d bytes", grown)
	}
}

// TestGoodReplyBeforeRefused pipelines two GETs: the first reply is
// whole and good, the second announces too much. The first still reads.
func TestGoodReplyBeforeRefused(t *testing.T) {
	srv := startFake(t, "$1\r\na\r\n$99999999999\r\n", false)
	c := dial(t, srv.Addr, Options{})
	first, second := &messages.Get{Key: "a"}, &messages.Get{Key: "b"}
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	for _, req := range []messages.Request{first, second} {
		if err := c.Write(req); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	r, err := c.Read(first)
	if err != nil || string(r.Value) != "a" {
		t.Fatalf("first read: %+v, %v", r, err)
	}
	_, err = c.Read(second)
	wantErr(t, err, messages.ErrProtocol)
}
