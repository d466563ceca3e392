package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// loggedStrategy logs each failure it is handed, then lets the configured
// strategy decide. It is how herd logs restarts without owning the policy.
type loggedStrategy struct {
	inner actor.SupervisorStrategy
	log   hclog.Logger
}

func (r *Runtime) strategy(inner actor.SupervisorStrategy) actor.SupervisorStrategy {
	return loggedStrategy{inner: inner, log: r.log}
}

// HandleFailure implements actor.SupervisorStrategy.
func (s loggedStrategy) HandleFailure(sys *actor.ActorSystem, sup actor.Supervisor,
	child *actor.PID, rs *actor.RestartStatistics, reason, msg any) {
	logf := s.log.Warn
	if _, broken := reason.(*connFailure); broken {
		logf = s.log.Debug // the worker has logged it once for the node
	}
	logf("actor failed; its supervisor strategy decides",
		"actor", child.Id, "reason", reason, "failures", rs.FailureCount()+1)
	s.inner.HandleFailure(sys, sup, child, rs, reason, msg)
}
