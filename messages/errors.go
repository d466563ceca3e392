package messages

import (
	"context"
	"errors"
	"fmt"
)

// Errors a reply may carry. Test for them with errors.Is: herd wraps them
// with the node's address or the underlying cause where there is one.
var (
	// ErrMiss: the key holds no value. Not a failure.
	ErrMiss = errors.New("herd: cache miss")
	// ErrNotStored: a conditional store (add, replace, append, prepend)
	// did not apply because its condition did not hold.
	ErrNotStored = errors.New("herd: not stored")
	// ErrCASConflict: a compare-and-swap lost to another writer.
	ErrCASConflict = errors.New("herd: compare-and-swap conflict")
	// ErrMalformedKey: the key cannot be carried by the backend's protocol.
	// Nothing was sent to any server.
	ErrMalformedKey = errors.New("herd: malformed key")
	// ErrValueTooLarge: the value is over the backend's size limit.
	// Nothing was sent to any server.
	ErrValueTooLarge = errors.New("herd: value too large")
	// ErrInvalidRequest: the request is malformed in some other way (a
	// negative TTL, an empty command). Nothing was sent.
	ErrInvalidRequest = errors.New("herd: invalid request")
	// ErrUnsupported: the backend does not implement this request.
	ErrUnsupported = errors.New("herd: request not supported by backend")
	// ErrServer: the server answered with an error of its own.
	ErrServer = errors.New("herd: server error")
	// ErrProtocol: the server's reply did not follow the protocol. The
	// connection it came on is closed, never reused out of step.
	ErrProtocol = errors.New("herd: malformed reply from server")
	// ErrConnection: the node could not be reached or the connection broke.
	ErrConnection = errors.New("herd: connection failed")
	// ErrTLS: the TLS handshake with a node failed: the server does not
	// speak TLS, its certificate did not verify, or it refused the
	// client's. It wraps ErrConnection, so it counts against the node as
	// any failed dial does; the cause (a *tls.CertificateVerificationError,
	// say) is wrapped too.
	ErrTLS = fmt.Errorf("%w: TLS handshake failed", ErrConnection)
	// ErrNoNodes: the cluster has no nodes to route to.
	ErrNoNodes = errors.New("herd: no nodes")
	// ErrNodeDown: the node that owns the key is marked down after repeated
	// failures, and the policy is to fail fast rather than fail over. herd
	// probes it and routes to it again once a probe succeeds.
	ErrNodeDown = errors.New("herd: node down")
	// ErrNodeGone: the node that owned the key left the cluster (or its
	// pool was restarting) while the request was on its way.
	ErrNodeGone = errors.New("herd: node left the cluster")
	// ErrClosed: the herd is stopped or stopping.
	ErrClosed = errors.New("herd: closed")
	// ErrTimeout: the request's deadline passed before its reply arrived.
	// It also matches context.DeadlineExceeded.
	ErrTimeout error = timeoutError{}
	// ErrMalformedAddress: discovery gave an entry that is not host:port.
	ErrMalformedAddress = errors.New("herd: malformed node address")
)

type timeoutError struct{}

func (timeoutError) Error() string { return "herd: timeout" }

// Is lets errors.Is(err, context.DeadlineExceeded) hold for herd timeouts.
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error does for timeouts.
func (timeoutError) Timeout() bool { return true }
