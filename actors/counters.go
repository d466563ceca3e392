package actors

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/herd-go/herd/messages"
)

// outcome is what became of one call, as the counters tell outcomes apart:
// an answer (a value, a miss, a conditional store that did not apply) or an
// error of one kind.
type outcome uint8

const (
	outOK outcome = iota
	outMiss
	outNotStored
	outTimeout
	outCanceled
	outConnection
	outProtocol
	outServer
	outNodeDown
	outNodeGone
	outClosed
	outRefused
	outNoNodes
	outOther
	numOutcomes
	firstError = outTimeout
)

// ErrorKind names a kind of failed call in Stats and in the metrics'
// labels. A miss, and a conditional store that did not apply, are answers,
// not errors.
type ErrorKind string

// The kinds of error, each matching one or more of package messages' errors.
const (
	ErrorTimeout    ErrorKind = "timeout"    // ErrTimeout
	ErrorCanceled   ErrorKind = "canceled"   // the caller's context was cancelled
	ErrorConnection ErrorKind = "connection" // ErrConnection: unreachable or broken
	ErrorProtocol   ErrorKind = "protocol"   // ErrProtocol: a garbage reply
	ErrorServer     ErrorKind = "server"     // ErrServer: the server's own error
	ErrorNodeDown   ErrorKind = "node_down"  // ErrNodeDown: refused, the node is down
	ErrorNodeGone   ErrorKind = "node_gone"  // ErrNodeGone: the node left, or its pool restarted
	ErrorClosed     ErrorKind = "closed"     // ErrClosed: the herd is stopping
	// ErrorRefused: ErrMalformedKey, ErrValueTooLarge, ErrInvalidRequest or
	// ErrUnsupported; nothing was sent.
	ErrorRefused ErrorKind = "refused"
	ErrorNoNodes ErrorKind = "no_nodes" // ErrNoNodes: nothing to route to
	ErrorOther   ErrorKind = "other"    // anything else
)

var errorKinds = [numOutcomes - firstError]ErrorKind{
	ErrorTimeout, ErrorCanceled, ErrorConnection, ErrorProtocol, ErrorServer,
	ErrorNodeDown, ErrorNodeGone, ErrorClosed, ErrorRefused, ErrorNoNodes, ErrorOther,
}

// ErrorKinds returns every ErrorKind, in a fixed order.
func ErrorKinds() []ErrorKind { return append([]ErrorKind(nil), errorKinds[:]...) }

// classify tells which outcome err is. The two answers of almost every
// call, a value and a miss, are told apart without unwrapping.
func classify(err error) outcome {
	switch err {
	case nil:
		return outOK
	case messages.ErrMiss:
		return outMiss
	}
	return classifyErr(err)
}

func classifyErr(err error) outcome {
	switch {
	case errors.Is(err, messages.ErrMiss):
		return outMiss
	case errors.Is(err, messages.ErrNotStored), errors.Is(err, messages.ErrCASConflict):
		return outNotStored
	case errors.Is(err, messages.ErrNodeDown):
		return outNodeDown
	case errors.Is(err, messages.ErrNodeGone):
		return outNodeGone
	case errors.Is(err, messages.ErrClosed):
		return outClosed
	case errors.Is(err, messages.ErrTimeout):
		return outTimeout
	case errors.Is(err, context.Canceled):
		return outCanceled
	case errors.Is(err, messages.ErrConnection):
		return outConnection
	case errors.Is(err, messages.ErrProtocol):
		return outProtocol
	case errors.Is(err, messages.ErrServer):
		return outServer
	case refused(err):
		return outRefused
	case errors.Is(err, messages.ErrNoNodes):
		return outNoNodes
	}
	return outOther
}

// latencyBounds are the upper bounds of the latency histogram's buckets;
// one more bucket holds what is slower than the last.
var latencyBounds = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond,
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond,
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second,
}

// counters are one node's figures, counted on the request path with plain
// atomic adds: no lock, no allocation. The node's health record holds them,
// so they survive pool restarts; Stats reads them.
type counters struct {
	outcomes [numOutcomes]atomic.Uint64
	buckets  [len(latencyBounds) + 1]atomic.Uint64
	sumNanos atomic.Int64
	conns    atomic.Int64 // connections open
}

// count records a call answered without going on the wire.
func (c *counters) count(err error) { c.outcomes[classify(err)].Add(1) }

// countCall records a call answered with err, or one whose caller gave up
// before it reached the wire (err is ignored then).
func (c *counters) countCall(call *messages.Call, err error) {
	if call.Answered() {
		c.countGivenUp(call)
		return
	}
	c.count(err)
}

// countGivenUp records a call whose caller stopped waiting before the call
// reached the wire: at its deadline, or when its context was cancelled.
func (c *counters) countGivenUp(call *messages.Call) {
	if call.Expired(time.Now()) {
		c.outcomes[outTimeout].Add(1)
		return
	}
	c.outcomes[outCanceled].Add(1)
}

// wire records a call answered from the wire, with err, whose request was
// written at at.
func (c *counters) wire(err error, at time.Time) {
	c.outcomes[classify(err)].Add(1)
	d := time.Since(at)
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	c.buckets[i].Add(1)
	c.sumNanos.Add(int64(d))
}
