package redis

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// TestHugeBulkFromServer has a server announce a 100 GB value. The reader
// refuses it before allocating: Read fails at once with a protocol error,
// and the process allocates next to nothing meanwhile.
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
	r, err := read(c, req)
	runtime.ReadMemStats(&after)
	wantErr(t, err, messages.ErrProtocol)
	untouched(t, r)
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
	r, err := read(c, first)
	if err != nil || string(r.Value) != "a" {
		t.Fatalf("first read: %+v, %v", r, err)
	}
	_, err = read(c, second)
	wantErr(t, err, messages.ErrProtocol)
}

// TestAnnouncedAheadBounded has servers announce large replies and then
// fall silent. Whatever the bounds admit, the reader allocates no more
// than the budget for it before the data arrives: well under 64 MiB with
// the default options, where an array and a bulk string inside it would
// otherwise make about 1 GB between them.
func TestAnnouncedAheadBounded(t *testing.T) {
	left := DefaultMaxValueSize + budgetSlack - maxElems*slotSize
	tests := []struct {
		name  string
		reply string
		want  error
	}{
		{"array and bulk over 1 GB", "*33619967\r\n$537919488\r\n", messages.ErrProtocol},
		{"array over the element bound", "*1048577\r\n", messages.ErrProtocol},
		{"nested arrays over it together", "*2\r\n*1048575\r\n", messages.ErrProtocol},
		{"bulk over what the array left",
			fmt.Sprintf("*%d\r\n$%d\r\n", maxElems, left+1), messages.ErrProtocol},
		{"array and bulk that fit, then silence",
			fmt.Sprintf("*%d\r\n$%d\r\n", maxElems, left), messages.ErrTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			grown, err := announce(t, tc.reply)
			wantErr(t, err, tc.want)
			if grown >= 64<<20 {
				t.Fatalf("Read allocated %d MiB", grown>>20)
			}
		})
	}
}

// announce sends a command to a fake server that answers with reply, and
// returns how many bytes Read allocated and its error.
func announce(t *testing.T, reply string) (uint64, error) {
	c := dial(t, startFake(t, reply, false).Addr, Options{})
	req := &messages.Do{Key: "k", Command: "LRANGE", Args: []any{"k", 0, -1}}
	if err := c.SetDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(req); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	before := allocated()
	_, err := read(c, req)
	return allocated() - before, err
}

// TestLargestValuePasses reads a value of exactly the default
// MaxValueSize from a fake server: the budget that refuses the replies
// above still admits every value herd would store.
func TestLargestValuePasses(t *testing.T) {
	value := strings.Repeat("v", DefaultMaxValueSize)
	c := dial(t, startFake(t, bulk(value), false).Addr, Options{})
	r := call(t, c, &messages.Get{Key: "k"})
	if r.Err != nil || len(r.Value) != DefaultMaxValueSize {
		t.Fatalf("reply of %d bytes, error %v", len(r.Value), r.Err)
	}
}
