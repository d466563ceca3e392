package faultproxy

import "errors"

// Errors returned by the proxy.
var (
	// ErrNotLoopback is returned by Start for a target that is not a
	// literal 127.0.0.1 address with a port.
	ErrNotLoopback = errors.New("faultproxy: target is not a 127.0.0.1 address")

	// ErrFault is returned by Set for a Fault with a negative field.
	ErrFault = errors.New("faultproxy: invalid fault")

	// ErrClosed is returned by Set after Close.
	ErrClosed = errors.New("faultproxy: proxy closed")
)
