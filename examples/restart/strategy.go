package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// doublingBackoff is a user's restart strategy: it restarts a failed child
// after a delay that doubles with each failure, up to max, and prints each
// decision. Any actor.SupervisorStrategy can stand in its place.
type doublingBackoff struct {
	first, max time.Duration
	out        io.Writer

	mu        sync.Mutex
	restarted int
}

// HandleFailure implements actor.SupervisorStrategy.
func (s *doublingBackoff) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor,
	child *actor.PID, rs *actor.RestartStatistics, reason, _ any) {
	rs.Fail()
	delay := s.first << (rs.FailureCount() - 1)
	if delay > s.max || delay <= 0 {
		delay = s.max
	}
	fmt.Fprintf(s.out, "%s failed (%v): restart %d in %v\n",
		child.Id, reason, rs.FailureCount(), delay)
	time.AfterFunc(delay, func() {
		sup.RestartChildren(child)
		s.mu.Lock()
		s.restarted++
		s.mu.Unlock()
	})
}

func (s *doublingBackoff) restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarted
}
