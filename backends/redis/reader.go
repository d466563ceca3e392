package redis

import (
	"bufio"
	"errors"
	"io"
	"math"

	"github.com/herd-go/herd/backends"
)

// Bounds every reply is held to, beside those derived from Options.
const (
	// budgetSlack is added to MaxValueSize to make a connection's budget,
	// so that replies a little larger than any stored value still pass:
	// DUMP's envelope around a value, or server text such as INFO or
	// CLIENT LIST, or a value inside an array whose other slots are open.
	budgetSlack = 1 << 20
	// slotSize is what herd allocates per announced array element before
	// the element arrives: one interface value, two words.
	slotSize = 16
	// maxElems bounds the array elements announced and not yet received,
	// summed over all open arrays, whatever MaxValueSize is: 16 MiB of
	// slots at most. A million elements is an MGET of a million keys or
	// HGETALL of half a million fields, far beyond what one reply to a
	// cache should carry; raising MaxValueSize does not raise it.
	maxElems = 1 << 20
	// maxDepth bounds how deeply arrays nest. Real replies nest a handful
	// of levels; the reader follows nesting by recursion, so an unbounded
	// depth would let a server grow the stack until the process dies.
	maxDepth = 64
	// maxDigits bounds the digits of a length or an integer. Nineteen hold
	// any int64; one more leaves room for a leading zero.
	maxDigits = 20
	// maxLine bounds a simple string or error line, type byte and \r\n
	// included, which the reader gathers in memory whole. Redis's own
	// status and error lines are far shorter.
	maxLine = 64 << 10
	// maxHeader is the longest legal ':', '$' or '*' line: the type byte,
	// a sign, maxDigits digits and \r\n. A reader's buffer must hold it.
	maxHeader = 1 + 1 + maxDigits + 2
	// maxBudget keeps a bulk string's length, plus its \r\n, in an int64
	// whatever MaxValueSize is.
	maxBudget = math.MaxInt64 - 2
)

// reader parses RESP2 replies from the socket, one reply at a time, and
// holds each to herd's bounds as it goes: a length is judged before
// anything is allocated for it.
//
// One budget covers bulk strings and array slots, so that they cannot add
// up: the bulk bytes and the slots (at slotSize bytes each) announced and
// not yet received may not together exceed it. Only one bulk string is
// ever in progress, so a bulk string may take the budget less the slots
// still open; slots are further bounded by elems.
type reader struct {
	r      *bufio.Reader
	budget uint64 // bulk bytes plus slot bytes that may be announced ahead
	elems  uint64 // most array elements announced and not yet received
	err    error  // the first failure; it sticks, as the stream is lost

	open  uint64 // array elements announced and not yet received
	depth int    // arrays open around the element being read
}

// newReader reads from src through a buffer of size bytes, at least
// maxHeader. Its budget is maxValue plus budgetSlack, at most maxBudget,
// and it bounds array elements by maxElems.
func newReader(src io.Reader, size, maxValue int) *reader {
	budget := uint64(maxBudget)
	if maxValue >= 0 && uint64(maxValue) < maxBudget-budgetSlack {
		budget = uint64(maxValue) + budgetSlack
	}
	return &reader{r: bufio.NewReaderSize(src, max(size, maxHeader)), budget: budget,
		elems: maxElems}
}

// header is a reply's first line, judged and parsed.
type header struct {
	kind byte   // '+', '-', ':', '$' or '*'
	n    int64  // the integer, or the length: -1 for a null
	text []byte // a '+' or '-' line's text; valid until the next read
}

// isNull reports whether h is a null bulk string or a null array, which
// RESP2 uses alike for "nothing".
func (h header) isNull() bool { return (h.kind == '$' || h.kind == '*') && h.n < 0 }

// kindNames names each reply type for error messages.
var kindNames = map[byte]string{
	'+': "status", '-': "error", ':': "integer", '$': "bulk string", '*': "array",
}

// what names h's type for an error message.
func (h header) what() string {
	if h.isNull() {
		return "null " + kindNames[h.kind]
	}
	return kindNames[h.kind]
}

// header reads the first line of the next reply or element.
func (p *reader) header() (header, error) {
	line, err := p.line()
	if err != nil {
		return header{}, err
	}
	h := header{kind: line[0]}
	switch h.kind {
	case '+', '-':
		h.text = line[1:]
		return h, nil
	case ':', '$', '*':
		h.n, err = p.number(h.kind, line[1:])
		return h, err
	}
	return h, protocolError("%q where a reply begins", h.kind)
}

// line reads one line and returns it without its "\r\n", never empty. The
// slice points into the reader's buffer unless the line outgrew it.
func (p *reader) line() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if err == nil {
		return trimLine(line)
	}
	if perr := judgePart(line); perr != nil {
		return nil, perr
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		return p.longLine(line)
	}
	return nil, ioError("read", err)
}

// judgePart refuses the start of a line whose end has not arrived if no
// end could make it legal: it begins with no reply type, or it is already
// as long as the longest line of its type. So a line is refused as soon
// as it is seen to be wrong, however the stream is cut and whatever the
// buffer's size.
func judgePart(part []byte) error {
	if len(part) == 0 {
		return nil
	}
	limit := maxLine
	switch part[0] {
	case '+', '-':
	case ':', '$', '*':
		limit = maxHeader
	default:
		return protocolError("%q where a reply begins", part[0])
	}
	if len(part) >= limit {
		return protocolError("%c line longer than %d bytes", part[0], limit)
	}
	return nil
}

// longLine gathers a status or error line longer than the reader's
// buffer, up to maxLine bytes.
func (p *reader) longLine(start []byte) ([]byte, error) {
	line := append([]byte(nil), start...)
	for {
		more, err := p.r.ReadSlice('\n')
		line = append(line, more...)
		if len(line) > maxLine {
			return nil, protocolError("%c line longer than %d bytes", line[0], maxLine)
		}
		switch {
		case err == nil:
			return trimLine(line)
		case errors.Is(err, bufio.ErrBufferFull):
		default:
			if perr := judgePart(line); perr != nil {
				return nil, perr
			}
			return nil, ioError("read", err)
		}
	}
}

// trimLine checks that line ends in "\r\n" and holds more than that.
func trimLine(line []byte) ([]byte, error) {
	n := len(line) - 2
	switch {
	case n < 0 || line[n] != '\r':
		return nil, protocolError("line %q does not end in \\r\\n", backends.Clip(line))
	case n == 0:
		return nil, protocolError("empty line where a reply begins")
	}
	return line[:n], nil
}

// number parses the integer of a ':' line or the length of a '$' or '*'
// line, holding it to its bound digit by digit so that it cannot
// overflow. A length may be -1, a null, and no other negative.
func (p *reader) number(kind byte, b []byte) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	switch {
	case len(b) == 0:
		return 0, protocolError("%c line with no number", kind)
	case len(b) > maxDigits:
		return 0, protocolError("%c line with over %d digits", kind, maxDigits)
	case neg && kind != ':' && string(b) != "1":
		return 0, protocolError("%c line with a negative length other than -1", kind)
	}
	lim := p.limit(kind, neg)
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, protocolError("%q in a number", c)
		}
		d := uint64(c - '0')
		if d > lim || n > (lim-d)/10 {
			return 0, protocolError("%c line over the limit of %d", kind, lim)
		}
		n = n*10 + d
	}
	if neg {
		return -int64(n), nil // wraps to math.MinInt64 for n = 1 << 63, as it should
	}
	return int64(n), nil
}

// limit is the largest magnitude the number of a kind line may have. A
// bulk string may take what the budget has left beside the slots still
// open; an array also no more than the elements left.
func (p *reader) limit(kind byte, neg bool) uint64 {
	switch {
	case kind == ':' && neg:
		return 1 << 63
	case kind == ':':
		return math.MaxInt64
	case neg:
		return 1
	case kind == '$':
		return p.budget - p.open*slotSize
	}
	return min(p.elems, p.budget/slotSize) - p.open
}

// bulk reads a bulk string's n bytes, which number has held to the
// budget, and the "\r\n" after them, into one new slice: the only
// allocation of a hit.
func (p *reader) bulk(n int64) ([]byte, error) {
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(p.r, buf); err != nil {
		return nil, ioError("read", err)
	}
	if buf[n] != '\r' || buf[n+1] != '\n' {
		return nil, protocolError("bulk string longer than the %d bytes announced", n)
	}
	return buf[:n:n], nil
}

// push opens an array of n elements. number has already held n to the
// elements and the budget left; push holds the nesting to maxDepth.
func (p *reader) push(n int64) error {
	if p.depth == maxDepth {
		return protocolError("arrays nested over %d deep", maxDepth)
	}
	p.depth++
	p.open += uint64(n)
	return nil
}

// received counts one element of the innermost open array as received.
func (p *reader) received() { p.open-- }

// pop closes the innermost array, all of whose elements have arrived.
func (p *reader) pop() { p.depth-- }
