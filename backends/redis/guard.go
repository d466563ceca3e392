package redis

import (
	"bytes"
	"errors"
	"fmt"
	"math"
)

// Limits the guard holds replies to, beside those derived from Options.
const (
	// budgetSlack is added to MaxValueSize to make a connection's budget,
	// so that replies a little larger than any stored value still pass:
	// DUMP's envelope around a value, or server text such as INFO or
	// CLIENT LIST, or a value inside an array whose other slots are open.
	budgetSlack = 1 << 20
	// slotSize is what redigo allocates per announced array element before
	// the element arrives: one interface value, two words.
	slotSize = 16
	// maxElems bounds the array elements announced and not yet received,
	// summed over all open arrays, whatever MaxValueSize is: 16 MiB of
	// slots at most. A million elements is an MGET of a million keys or
	// HGETALL of half a million fields, far beyond what one reply to a
	// cache should carry; raising MaxValueSize does not raise it.
	maxElems = 1 << 20
	// maxDepth bounds how deeply arrays nest. Real replies nest a handful
	// of levels; redigo parses nesting by recursion, so an unbounded depth
	// would let a server grow the worker's stack until the process dies.
	maxDepth = 64
	// maxDigits bounds the digits of a length or an integer. Nineteen hold
	// any int64; one more leaves room for a leading zero.
	maxDigits = 20
	// maxLine bounds a simple string or error line, type byte and \r\n
	// included, which redigo gathers in memory whole. Redis's own status
	// and error lines are far shorter.
	maxLine = 64 << 10
	// minReply is the length of the shortest reply, "+\r\n": the least a
	// whole reply not yet read can stand for.
	minReply = 3
)

// Where the next byte falls in the RESP2 stream.
const (
	stType      uint8 = iota // a line's type byte: + - : $ *
	stNumber                 // the sign and digits of a $, * or : line
	stLF                     // the \n after a number line's \r
	stText                   // the rest of a + or - line, up to \n
	stPayload                // bulk string bytes, passed through unread
	stTrailer                // the \r after a bulk string
	stTrailerLF              // the \n after it
)

// errGuard marks every refusal; classify reports it as messages.ErrProtocol.
var errGuard = errors.New("redis: reply refused")

// guard follows RESP2 framing in the bytes on their way from the socket to
// redigo, and refuses any header that would make redigo allocate beyond a
// bound before the data arrives. redigo trusts lengths: "$n" makes a slice
// of n bytes and "*n" one of n elements, both before reading them.
//
// One budget covers both, so that they cannot add up: the bulk bytes and
// the array slots (at slotSize bytes each) announced and not yet received
// may not together exceed it. Only one bulk string is ever in progress, and
// no header is read during its payload, so a header is held to the budget
// less the slots still open. Slots are further bounded by elems.
//
// Framing needs no stack of its own: an array header is followed by its
// elements' headers as if they were replies in a row. The guard keeps one
// anyway, of the elements each open array still owes, to bound nesting and
// the slots announced but not yet filled.
//
// The guard also counts the top-level replies it has let through and the
// bytes of the one in progress, so that the conn can tell whether redigo
// holds bytes that no Receive has taken.
type guard struct {
	budget uint64 // bulk bytes plus slot bytes that may be announced ahead
	elems  uint64 // most array elements announced and not yet received
	err    error  // the refusal, once there is one; it sticks

	state  uint8  // where the next byte falls
	kind   byte   // the current line's type byte
	neg    bool   // the current number has a minus sign
	digits int    // digits of the current number so far
	num    uint64 // the number's magnitude, then payload bytes left
	line   int    // bytes of the current text line so far

	open  uint64           // sum of left: slots announced, not yet filled
	depth int              // arrays open
	left  [maxDepth]uint64 // elements each open array still owes

	replies uint64 // top-level replies let through whole
	tail    uint64 // bytes let through of the top-level reply in progress
}

// newGuard sets the budget to maxValue plus budgetSlack, and bounds array
// elements by maxElems.
func newGuard(maxValue int) *guard {
	budget := uint64(math.MaxInt64) - budgetSlack
	if maxValue >= 0 && uint64(maxValue) < budget {
		budget = uint64(maxValue)
	}
	return &guard{budget: budget + budgetSlack, elems: maxElems}
}

// scan follows p, the next bytes of the stream. It returns len(p) and nil
// if all of p may pass; otherwise how many leading bytes may pass and the
// refusal. Those stop before the byte that broke a bound, and so before
// the \n that would end the refused line: redigo parses every reply before
// it and none of the refused one. The verdict does not depend on how the
// stream is cut into calls.
func (g *guard) scan(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	for i := 0; i < len(p); {
		start, replies := i, g.replies
		switch g.state {
		case stPayload:
			i += g.payload(p[i:])
		case stText:
			i += g.text(p[i:])
		default:
			if g.err = g.step(p[i]); g.err == nil {
				i++
			}
		}
		g.count(replies, i-start)
		if g.err != nil {
			return i, g.err
		}
	}
	return len(p), nil
}

// count adds n bytes just let through to the reply in progress, or starts
// afresh if they ended it. A step that ends a reply ends with that reply's
// last byte, so none of the n bytes belong to the next one.
func (g *guard) count(replies uint64, n int) {
	if g.replies != replies {
		g.tail = 0
		return
	}
	g.tail += uint64(n)
}

// unread returns how many of the bytes let through lie beyond the first
// read top-level replies: exactly, for a reply partly let through; for each
// whole reply beyond them, minReply, since their lengths are not kept. It
// is zero exactly when nothing lies beyond them.
func (g *guard) unread(read uint64) int {
	n := g.tail
	if g.replies > read {
		n += min(g.replies-read, math.MaxInt32) * minReply
	}
	return int(min(n, math.MaxInt32))
}

// payload passes bulk string bytes without looking at them.
func (g *guard) payload(p []byte) int {
	n := uint64(len(p))
	if n >= g.num {
		n = g.num
		g.state = stTrailer
	}
	g.num -= n
	return int(n)
}

// text passes a simple string or error line up to its \n.
func (g *guard) text(p []byte) int {
	n := bytes.IndexByte(p, '\n') + 1
	if n == 0 {
		n = len(p)
	}
	if room := maxLine - g.line; n > room {
		g.err = fmt.Errorf("%w: line longer than %d bytes", errGuard, maxLine)
		return room
	}
	g.line += n
	if p[n-1] == '\n' {
		g.state = stType
		g.done()
	}
	return n
}

// step follows one byte outside payloads and text lines.
func (g *guard) step(b byte) error {
	switch g.state {
	case stType:
		return g.start(b)
	case stNumber:
		return g.number(b)
	case stLF:
		if b != '\n' {
			return fmt.Errorf("%w: %q after \\r in a header", errGuard, b)
		}
		return g.header()
	}
	return g.trailer(b)
}

// trailer checks the \r\n that ends a bulk string.
func (g *guard) trailer(b byte) error {
	switch {
	case g.state == stTrailer && b == '\r':
		g.state = stTrailerLF
	case g.state == stTrailerLF && b == '\n':
		g.state = stType
		g.done()
	default:
		return fmt.Errorf("%w: bulk string longer than announced", errGuard)
	}
	return nil
}

// start reads a line's type byte.
func (g *guard) start(b byte) error {
	switch b {
	case '+', '-':
		g.state, g.line = stText, 1
	case ':', '$', '*':
		g.state, g.neg, g.digits, g.num = stNumber, false, 0, 0
	default:
		return fmt.Errorf("%w: %q where a reply begins", errGuard, b)
	}
	g.kind = b
	return nil
}

// number reads the sign and digits of a length or an integer, refusing it
// as soon as it passes its bound, so that it cannot overflow.
func (g *guard) number(b byte) error {
	switch {
	case b == '-' && g.digits == 0 && !g.neg:
		g.neg = true
		return nil
	case b == '\r':
		g.state = stLF
		return nil
	case b < '0' || b > '9':
		return fmt.Errorf("%w: %q in a number", errGuard, b)
	}
	d := uint64(b - '0')
	lim := g.limit()
	g.digits++
	if g.digits > maxDigits || d > lim || g.num > (lim-d)/10 {
		return fmt.Errorf("%w: %c header over the limit of %d", errGuard, g.kind, lim)
	}
	g.num = g.num*10 + d
	return nil
}

// limit is the largest magnitude the current number may have. A length
// may take what the budget has left beside the slots still open; an
// array's also no more than the elements left.
func (g *guard) limit() uint64 {
	switch {
	case g.kind == ':' && g.neg:
		return 1 << 63
	case g.kind == ':':
		return math.MaxInt64
	case g.neg:
		return 1 // -1, a null; redigo refuses any other negative length
	case g.kind == '$':
		return g.budget - g.open*slotSize
	}
	return min(g.elems, g.budget/slotSize) - g.open
}

// header acts on a complete number line.
func (g *guard) header() error {
	switch {
	case g.digits == 0:
		return fmt.Errorf("%w: %c header with no number", errGuard, g.kind)
	case g.neg && g.kind != ':' && (g.digits != 1 || g.num != 1):
		return fmt.Errorf("%w: negative length other than -1", errGuard)
	case g.kind == '$' && !g.neg:
		g.state = stPayload
		return nil
	case g.kind == '*' && !g.neg && g.num > 0:
		return g.push(g.num)
	}
	g.state = stType
	g.done() // an integer, a null, or an empty array
	return nil
}

// push opens an array of n elements. limit has already held n to the
// elements and the budget left.
func (g *guard) push(n uint64) error {
	if g.depth == maxDepth {
		return fmt.Errorf("%w: arrays nested over %d deep", errGuard, maxDepth)
	}
	g.left[g.depth] = n
	g.depth++
	g.open += n
	g.state = stType
	return nil
}

// done counts one element as received. An array whose last element that
// was is itself a received element of the array around it, and an element
// of no array is a whole top-level reply.
func (g *guard) done() {
	for g.depth > 0 {
		g.open--
		g.left[g.depth-1]--
		if g.left[g.depth-1] > 0 {
			return
		}
		g.depth--
	}
	g.replies++
}
