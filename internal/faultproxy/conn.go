package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// chunkSize is the most one pump read takes in; a chunk is what one read
// returns.
const chunkSize = 32 << 10

// conn is one proxied connection: the client's socket and, once dialed,
// the target's.
type conn struct {
	p      *Proxy
	client *net.TCPConn

	mu     sync.Mutex
	server *net.TCPConn // nil until dialed
	closed bool
}

// serve dials the target for c and runs both pumps until they end. The
// reply pump's goroutine is owned by serve, which waits for it.
func (p *Proxy) serve(c *conn) {
	defer p.wg.Done()
	defer p.forget(c)
	defer c.shut(false)

	nc, err := p.dialer.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		p.counts.dialFailures.Add(1)
		return
	}
	if !c.attach(nc.(*net.TCPConn)) {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.pumpReplies()
	}()
	c.pumpRequests()
	<-done
}

// attach records the target's socket, or closes it if c was shut while
// the dial was under way.
func (c *conn) attach(server *net.TCPConn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = server.Close()
		return false
	}
	c.server = server
	return true
}

// shut closes both sockets, the client's with a TCP RST if rst is set. It
// reports whether this call closed them.
func (c *conn) shut(rst bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	if rst {
		_ = c.client.SetLinger(0) // close then sends RST, not FIN
	}
	_ = c.client.Close()
	if c.server != nil {
		_ = c.server.Close()
	}
	return true
}

// pumpRequests copies client bytes to the server, dropping them under
// Blackhole.
func (c *conn) pumpRequests() {
	buf := make([]byte, chunkSize)
	for {
		n, err := c.client.Read(buf)
		if n > 0 && !c.forwardRequest(buf[:n]) {
			c.shut(false)
			return
		}
		if err != nil {
			c.endRead(err, c.server)
			return
		}
	}
}

// forwardRequest writes one client chunk to the server, and reports
// whether the connection can go on.
func (c *conn) forwardRequest(chunk []byte) bool {
	if c.p.state.Load().Blackhole {
		c.p.counts.bytesDropped.Add(int64(len(chunk)))
		return true
	}
	n, err := c.server.Write(chunk)
	c.p.counts.bytesToServer.Add(int64(n))
	return err == nil
}

// pumpReplies copies server bytes to the client under the fault in force.
func (c *conn) pumpReplies() {
	buf := make([]byte, chunkSize)
	for {
		n, err := c.server.Read(buf)
		if n > 0 && !c.forwardReply(buf[:n], time.Now(), true) {
			c.shut(false)
			return
		}
		if err != nil {
			c.endRead(err, c.client)
			return
		}
	}
}

// forwardReply writes one server chunk, read at arrived, to the client
// once the fault lets it go, splitting it if the fault asks and maySplit is set. It
// reports whether the connection can go on.
func (c *conn) forwardReply(chunk []byte, arrived time.Time, maySplit bool) bool {
	f, ok := c.p.hold(arrived)
	switch {
	case !ok:
		return false
	case f.Blackhole:
		c.p.counts.bytesDropped.Add(int64(len(chunk)))
		return true
	case maySplit && f.SplitAt > 0 && len(chunk) > f.SplitAt:
		if !c.toClient(chunk[:f.SplitAt]) || !c.p.pause(f.SplitPause) {
			return false
		}
		return c.forwardReply(chunk[f.SplitAt:], arrived, false)
	}
	return c.toClient(chunk)
}

// toClient writes b to the client and reports whether it all went.
func (c *conn) toClient(b []byte) bool {
	n, err := c.client.Write(b)
	c.p.counts.bytesToClient.Add(int64(n))
	return err == nil
}

// endRead handles the end of one direction. A clean EOF is passed on as a
// half-close, so the peer can still answer; any other error ends both.
func (c *conn) endRead(err error, peer *net.TCPConn) {
	if errors.Is(err, io.EOF) && peer.CloseWrite() == nil {
		return
	}
	c.shut(false)
}

// hold waits until a reply chunk read at arrived may go on: while Stall is
// set, and until Delay has passed since arrived. A change of fault wakes it
// to decide again. It returns the fault in force when the chunk may go, or
// false if the proxy closed first.
func (p *Proxy) hold(arrived time.Time) (Fault, bool) {
	for {
		s := p.state.Load()
		var timeout <-chan time.Time // nil: no timeout, wait for a change
		switch {
		case s.Blackhole:
			return s.Fault, true
		case s.Stall:
		default:
			left := time.Until(arrived.Add(s.Delay))
			if left <= 0 {
				return s.Fault, true
			}
			timeout = time.After(left)
		}
		select {
		case <-p.ctx.Done():
			return s.Fault, false
		case <-s.changed:
		case <-timeout:
		}
	}
}

// pause waits d, and reports false if the proxy closed first.
func (p *Proxy) pause(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
