package memcached

import (
	"bufio"
	"math"
	"strconv"
	"time"

	"github.com/herd-go/herd/messages"
)

// Expiry rules of memcached: an exptime up to 30 days is a number of seconds
// from now; a larger one is an absolute unix time, which memcached keeps in
// 32 bits.
const (
	maxRelativeExptime = 30 * 24 * 60 * 60
	maxExptime         = math.MaxInt32
)

// exptime turns a TTL into memcached's exptime field. Zero stays zero (no
// expiry); a part second rounds up, so that a short TTL never means "never
// expire"; TTLs over 30 days become an absolute time read from clock, capped
// at the largest memcached can hold (early 2038).
func exptime(ttl time.Duration, clock func() time.Time) uint64 {
	if ttl <= 0 {
		return 0
	}
	secs := int64(ttl / time.Second)
	if ttl%time.Second != 0 {
		secs++
	}
	if secs <= maxRelativeExptime {
		return uint64(secs)
	}
	return uint64(min(clock().Unix()+secs, maxExptime))
}

// encode buffers the command for req, which has passed Check, into w. It
// fails only if w fails to send a full buffer.
func encode(w *bufio.Writer, req messages.Request, clock func() time.Time) error {
	c := cmdWriter{w: w}
	switch r := req.(type) {
	case *messages.Get:
		c.str("gets ")
		c.str(r.Key)
	case *messages.GetMulti:
		c.str("gets")
		for _, k := range r.Keys {
			c.byte(' ')
			c.str(k)
		}
	case *messages.Set:
		c.set(r, clock)
	case *messages.Delete:
		c.str("delete ")
		c.str(r.Key)
	case *messages.Incr:
		c.incr(r)
	case *messages.Touch:
		c.str("touch ")
		c.str(r.Key)
		c.byte(' ')
		c.uint(exptime(r.TTL, clock))
	}
	c.str("\r\n")
	return c.err
}

// cmdWriter writes one command into a bufio.Writer, keeping the first error
// so that the encoder reads as a plain sequence of fields.
type cmdWriter struct {
	w   *bufio.Writer
	err error
}

// set writes "<mode> <key> <flags> <exptime> <bytes>[ <cas>]\r\n<data>"; the
// caller ends the data block with "\r\n".
func (c *cmdWriter) set(r *messages.Set, clock func() time.Time) {
	c.str(r.Mode.String())
	c.byte(' ')
	c.str(r.Key)
	c.byte(' ')
	c.uint(uint64(r.Flags))
	c.byte(' ')
	c.uint(exptime(r.TTL, clock))
	c.byte(' ')
	c.uint(uint64(len(r.Value)))
	if r.Mode == messages.ModeCAS {
		c.byte(' ')
		c.uint(r.CAS)
	}
	c.str("\r\n")
	c.bytes(r.Value)
}

// incr writes "incr <key> <delta>", or "decr <key> <-delta>" for a negative
// Delta. The subtraction is done in uint64 so that math.MinInt64, whose
// magnitude no int64 holds, becomes 1<<63.
func (c *cmdWriter) incr(r *messages.Incr) {
	delta := uint64(r.Delta)
	if r.Delta < 0 {
		c.str("decr ")
		delta = 0 - delta
	} else {
		c.str("incr ")
	}
	c.str(r.Key)
	c.byte(' ')
	c.uint(delta)
}

func (c *cmdWriter) str(s string) {
	if c.err == nil {
		_, c.err = c.w.WriteString(s)
	}
}

func (c *cmdWriter) bytes(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *cmdWriter) byte(b byte) {
	if c.err == nil {
		c.err = c.w.WriteByte(b)
	}
}

// uint formats n straight into the writer's free buffer space.
func (c *cmdWriter) uint(n uint64) {
	if c.err == nil {
		_, c.err = c.w.Write(strconv.AppendUint(c.w.AvailableBuffer(), n, 10))
	}
}
