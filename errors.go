package herd

import (
	"strconv"

	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/messages"
)

// Errors returned by herd. They are the values of package messages, so an
// actor that receives a *messages.Reply tests against the same values.
var (
	ErrMiss             = messages.ErrMiss
	ErrNotStored        = messages.ErrNotStored
	ErrCASConflict      = messages.ErrCASConflict
	ErrMalformedKey     = messages.ErrMalformedKey
	ErrValueTooLarge    = messages.ErrValueTooLarge
	ErrInvalidRequest   = messages.ErrInvalidRequest
	ErrUnsupported      = messages.ErrUnsupported
	ErrServer           = messages.ErrServer
	ErrProtocol         = messages.ErrProtocol
	ErrConnection       = messages.ErrConnection
	ErrTLS              = messages.ErrTLS
	ErrNoNodes          = messages.ErrNoNodes
	ErrNodeGone         = messages.ErrNodeGone
	ErrNodeDown         = messages.ErrNodeDown
	ErrClosed           = messages.ErrClosed
	ErrTimeout          = messages.ErrTimeout
	ErrMalformedAddress = messages.ErrMalformedAddress
	ErrConfig           = actors.ErrConfig
)

// PartialError reports the keys of a GetMulti that failed, each with its
// node's error. The keys that succeeded are still returned.
type PartialError struct {
	Keys map[string]error
}

func (e *PartialError) Error() string {
	for k, err := range e.Keys {
		if len(e.Keys) == 1 {
			return "herd: key " + k + " failed: " + err.Error()
		}
		return "herd: " + strconv.Itoa(len(e.Keys)) + " keys failed, such as " + k + ": " +
			err.Error()
	}
	return "herd: no keys failed"
}

// Unwrap lets errors.Is look through to the per-key errors.
func (e *PartialError) Unwrap() []error {
	out := make([]error, 0, len(e.Keys))
	for _, err := range e.Keys {
		out = append(out, err)
	}
	return out
}
