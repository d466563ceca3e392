package memcached

import (
	"bufio"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
)

// TestReadAllocs: parsing a hit allocates the Reply and the value, no more;
// a status reply allocates only the Reply.
func TestReadAllocs(t *testing.T) {
	tests := []struct {
		req   messages.Request
		reply string
		max   float64
	}{
		{&messages.Get{Key: "k"}, "VALUE k 1 3 9\r\nabc\r\nEND\r\n", 2},
		{&messages.Set{Key: "k"}, "STORED\r\n", 1},
		{&messages.Incr{Key: "k"}, "42\r\n", 1},
	}
	for _, tt := range tests {
		src := strings.NewReader(tt.reply)
		p := parser{r: bufio.NewReader(src), maxValue: 1 << 20}
		allocs := testing.AllocsPerRun(100, func() {
			src.Reset(tt.reply)
			p.r.Reset(src)
			if rep, err := p.read(tt.req); err != nil || rep.Err != nil {
				t.Fatalf("read: %v %v", err, rep)
			}
		})
		if allocs > tt.max {
			t.Errorf("%T: %v allocations per read, want at most %v", tt.req, allocs, tt.max)
		}
	}
}
