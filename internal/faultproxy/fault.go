package faultproxy

import (
	"fmt"
	"time"
)

// Fault is the set of faults the proxy applies. The zero value applies
// none: bytes pass straight through. See the package comment for how each
// fault behaves and how they combine.
type Fault struct {
	// Delay holds each reply chunk until this long after the proxy read
	// it. Zero: no delay.
	Delay time.Duration

	// SplitAt, when positive, forwards only the first SplitAt bytes of each
	// longer reply chunk, then waits SplitPause before the rest. Zero: no
	// split.
	SplitAt int

	// SplitPause is the wait between the two parts of a split chunk. Zero:
	// the parts go straight after each other, in two writes.
	SplitPause time.Duration

	// Stall holds every reply byte until it is cleared, then delivers them.
	Stall bool

	// Refuse closes the listener, so new dials are refused.
	Refuse bool

	// Reset aborts open and new connections with a TCP RST.
	Reset bool

	// Blackhole discards every byte, both ways, and never answers.
	Blackhole bool
}

// validate rejects negative durations and sizes, which have no meaning.
func (f Fault) validate() error {
	if f.Delay < 0 || f.SplitAt < 0 || f.SplitPause < 0 {
		return fmt.Errorf("%w: negative Delay, SplitAt or SplitPause in %+v", ErrFault, f)
	}
	return nil
}

// faultState is one fault in force. It is never modified: Set stores a new
// one and closes the old one's changed channel, which wakes every wait.
type faultState struct {
	Fault
	changed chan struct{}
}
