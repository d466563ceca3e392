package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/internal/testserver"
)

// syncBuffer is the log, written by the event stream's publishers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The drill, on real memcached servers, brings about every kind of event,
// and the subscriber logs each with its details.
func TestEventsExample(t *testing.T) {
	servers := make(map[string]*testserver.Server)
	var addrs []string
	for i := 0; i < 4; i++ {
		s := testserver.Memcached(t)
		servers[s.Addr] = s
		addrs = append(addrs, s.Addr)
	}
	var out syncBuffer
	err := run(&out, memcached.New(memcached.Options{}), addrs, &health{
		kill:   func(addr string) { servers[addr].Stop() },
		revive: func(addr string) { servers[addr].Restart() },
	})
	if err != nil {
		t.Fatalf("%v; log:\n%s", err, out.String())
	}
	log := out.String()
	for _, want := range []string{
		`membership changed: epoch=1 added=["a:1", "b:1"]`,
		`membership changed: epoch=2 added=["c:1"]`,
		`discovery entry rejected: entry="not an address"`,
		`discovery failed; nodes kept: error="registry unreachable" kept=3`,
		`large removal held: removed=["b:1", "c:1"] seen=1 need=3`,
		`node moved: node=c:1 from=` + addrs[2] + ` to=` + addrs[3],
		`node down: node=b:1 failures=3`,
		`node up: node=b:1`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
}
