package messages

// Refresh asks a herd's cluster actor to query discovery now rather than at
// the next poll. Send it to the herd's PID.
type Refresh struct{}

// Crash makes the herd actor that receives it panic with Reason, so that its
// supervisor's restart strategy runs. It exists for fault drills: send it to
// a pool's PID (or a worker's, "<pool>/w<i>") to see the tree recover.
type Crash struct {
	Reason string
}
