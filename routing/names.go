package routing

import (
	"errors"
	"fmt"
	"strings"
)

// The names of herd's routers, as String, ByName and the herd command use
// them.
const (
	RouterHashRing   = "hashring"
	RouterKetama     = "ketama"
	RouterRendezvous = "rendezvous"
	RouterJump       = "jump"
)

// ErrUnknownRouter is returned by ByName for a name it does not know.
var ErrUnknownRouter = errors.New("herd: unknown router")

// builders maps each router's name to its Builder.
var builders = map[string]Builder{
	RouterHashRing:   NewHashRing,
	RouterKetama:     NewKetama,
	RouterRendezvous: NewRendezvous,
	RouterJump:       NewJump,
}

// Names returns the names ByName accepts, in a fixed order: the default
// first.
func Names() []string {
	return []string{RouterHashRing, RouterKetama, RouterRendezvous, RouterJump}
}

// ByName returns the Builder of the router called name ("hashring",
// "ketama", "rendezvous" or "jump"; case does not matter), or an error
// wrapping ErrUnknownRouter.
func ByName(name string) (Builder, error) {
	if b, ok := builders[strings.ToLower(strings.TrimSpace(name))]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownRouter, name,
		strings.Join(Names(), ", "))
}

// Name returns the name of r: its String method's answer if it has one
// (herd's routers do), or else its Go type.
func Name(r Router) string {
	if s, ok := r.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", r)
}
