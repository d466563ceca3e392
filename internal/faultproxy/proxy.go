package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds a dial to the target; on loopback a dial that takes
// this long is a stopped (SIGSTOPped) server.
const dialTimeout = 5 * time.Second

// Proxy forwards connections from its own loopback address to one target,
// applying the fault set by Set. Its methods are safe for concurrent use.
type Proxy struct {
	target string
	addr   string // the listening address, reused when Refuse is cleared
	dialer net.Dialer
	ctx    context.Context // canceled by Close; ends every wait and dial
	cancel context.CancelFunc
	wg     sync.WaitGroup // accept loops and connections
	state  atomic.Pointer[faultState]
	counts counters

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex   // guards the fields below, and serializes Set with admit
	ln     net.Listener // nil while Refuse is set
	conns  map[*conn]struct{}
	closed bool
}

// Start listens on a free 127.0.0.1 port and forwards every connection to
// target, which must be a 127.0.0.1 address. It applies no fault until Set.
func Start(target string) (*Proxy, error) {
	if err := checkTarget(target); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{target: target, addr: ln.Addr().String(), ctx: ctx, cancel: cancel,
		dialer: net.Dialer{Timeout: dialTimeout}, conns: map[*conn]struct{}{}}
	p.state.Store(&faultState{changed: make(chan struct{})})

	p.mu.Lock()
	p.acceptOn(ln)
	p.mu.Unlock()
	return p, nil
}

// checkTarget accepts only 127.0.0.1:port, so that no test can aim the
// proxy at another host.
func checkTarget(target string) error {
	host, port, err := net.SplitHostPort(target)
	if err != nil || host != "127.0.0.1" {
		return fmt.Errorf("%w: %q", ErrNotLoopback, target)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%w: %q has no valid port", ErrNotLoopback, target)
	}
	return nil
}

// Addr returns the proxy's address, host:port on 127.0.0.1, for clients to
// dial. It stays the same for the proxy's life, Refuse included.
func (p *Proxy) Addr() string { return p.addr }

// Set replaces the fault in force with f; the zero Fault clears every
// fault. It takes effect at once on open connections: a chunk read after
// Set returns is handled under f. Set fails with ErrFault for a negative
// field, with ErrClosed after Close, and when clearing Refuse cannot listen
// on the proxy's port again; the fault is then left as it was.
func (p *Proxy) Set(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.refuse(f.Refuse); err != nil {
		return err
	}

	// Publish the new fault before waking the waits on the old one, so that
	// each wakes to find it.
	old := p.state.Swap(&faultState{Fault: f, changed: make(chan struct{})})
	close(old.changed)
	if f.Reset {
		for c := range p.conns {
			p.abort(c)
		}
	}
	return nil
}

// Clear removes every fault, as Set(Fault{}) does.
func (p *Proxy) Clear() error { return p.Set(Fault{}) }

// Fault returns the fault in force.
func (p *Proxy) Fault() Fault { return p.state.Load().Fault }

// Stats returns a snapshot of the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	open := len(p.conns)
	p.mu.Unlock()
	return p.counts.snapshot(open)
}

// Close stops the listener, closes every proxied connection, and returns
// when every goroutine of the proxy has ended. It is idempotent: every call
// waits the same way and returns the same result.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.closed = true
		p.cancel()
		if p.ln != nil {
			p.closeErr = p.ln.Close()
			p.ln = nil
		}
		for c := range p.conns {
			c.shut(false)
		}
	})
	p.wg.Wait()
	return p.closeErr
}

// refuse closes the listener when Refuse is set and listens again on the
// same port when it is cleared. p.mu must be held.
func (p *Proxy) refuse(on bool) error {
	switch {
	case on && p.ln != nil:
		_ = p.ln.Close() // its accept loop ends on the error this causes
		p.ln = nil
	case !on && p.ln == nil:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
		}
		p.acceptOn(ln)
	}
	return nil
}

// acceptOn starts an accept loop on ln. p.mu must be held.
func (p *Proxy) acceptOn(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go p.acceptLoop(ln)
}

// acceptLoop admits connections until ln is closed, by Close or Refuse.
func (p *Proxy) acceptLoop(ln net.Listener) {
	defer p.wg.Done()
	for {
		nc, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors, most likely: back off, as net/http does.
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		p.counts.accepted.Add(1)
		p.admit(nc.(*net.TCPConn))
	}
}

// admit aborts a new connection under Reset, and otherwise starts proxying
// it. It holds p.mu so that a concurrent Set(Reset) either finds the
// connection in p.conns or is seen here.
func (p *Proxy) admit(nc *net.TCPConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &conn{p: p, client: nc}
	switch {
	case p.closed:
		c.shut(false)
	case p.state.Load().Reset:
		p.abort(c)
	default:
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// abort closes c with a TCP RST, counting it once.
func (p *Proxy) abort(c *conn) {
	if c.shut(true) {
		p.counts.resets.Add(1)
	}
}

// forget removes a finished connection.
func (p *Proxy) forget(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}
