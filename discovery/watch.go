package discovery

import (
	"context"
	"errors"
)

// Errors of the sources in this package. Each failure wraps one of them,
// so callers can tell them apart with errors.Is.
var (
	// ErrBadList reports a node list that cannot be read: a file, or an
	// etcd value, that is not in the format ParseList describes.
	ErrBadList = errors.New("herd: malformed node list")
	// ErrDNS reports a DNS query that failed or was answered with an
	// error code (NXDOMAIN, SERVFAIL, ...).
	ErrDNS = errors.New("herd: DNS query failed")
	// ErrEtcd reports an etcd read that failed.
	ErrEtcd = errors.New("herd: etcd read failed")
)

// Watcher is implemented by a Discovery that can tell when its answer may
// have changed, such as File and Etcd. herd's cluster actor runs Watch
// while it runs and asks Nodes again each time notify is called; polling
// every PollInterval goes on as the safety net for a missed notice.
//
// Watch blocks until ctx is done, then returns ctx's error. It may return
// earlier with another error if it cannot watch at all; herd logs it and
// calls Watch again after a pause. notify never blocks and may be called
// spuriously: a notice only asks herd to look.
type Watcher interface {
	Watch(ctx context.Context, notify func()) error
}

// Resolver is implemented by a Discovery whose nodes are named by something
// other than the address to dial, such as DNS's SRV targets: the node's
// identity (its place on the ring) is the name, and Resolve answers where
// to connect to it now. herd resolves before each dial, and after each
// answer; a node whose resolved address changes gets a fresh pool that
// connects to the new address, while its keys stay where they were.
type Resolver interface {
	Resolve(ctx context.Context, addr string) (string, error)
}
