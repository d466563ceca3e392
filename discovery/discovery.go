package discovery

import (
	"context"

	"github.com/herd-go/herd/routing"
)

// Discovery answers which nodes make up the cluster. herd's cluster actor
// asks it at start, every poll interval and on a Refresh message. An error
// or an empty answer never drains the cluster: herd keeps the last good set.
type Discovery interface {
	Nodes(ctx context.Context) ([]routing.Node, error)
}
