package redis

import (
	"bytes"
	"errors"
	"strconv"
)

// model is a second reading of the reply rules, written for clarity and
// not for speed: it parses a stream held whole in memory, by index, with
// the standard library's number parsing, and the fuzzer holds the reader
// to agree with it. It follows what the package documents: a line is
// judged once whole, or as soon as no end could make it legal; a bulk
// string may take the budget less the slots still open; an array no more
// elements than the element bound and the budget leave; nesting at most
// maxDepth.
type model struct {
	data   []byte
	pos    int
	budget uint64
	elems  uint64
	open   uint64
	depth  int
}

var (
	errShort   = errors.New("model: the stream ends inside a reply")
	errRefused = errors.New("model: refused")
)

// value parses one reply at pos and moves past it.
func (m *model) value() (any, error) {
	line, err := m.line()
	if err != nil {
		return nil, err
	}
	kind, rest := line[0], string(line[1:])
	switch kind {
	case '+':
		return rest, nil
	case '-':
		return &ServerError{Text: rest}, nil
	case ':':
		return m.integer(rest)
	}
	n, err := m.length(kind, rest)
	switch {
	case err != nil:
		return nil, err
	case n < 0:
		return nil, nil
	case kind == '$':
		return m.bulk(n)
	}
	return m.array(n)
}

// line returns the line at pos without its "\r\n" and moves past it.
func (m *model) line() ([]byte, error) {
	rest := m.data[m.pos:]
	if len(rest) == 0 {
		return nil, errShort
	}
	limit := maxLine
	switch rest[0] {
	case '+', '-':
	case ':', '$', '*':
		limit = maxHeader
	default:
		return nil, errRefused
	}
	end := bytes.IndexByte(rest, '\n') + 1
	switch {
	case end == 0 && len(rest) >= limit:
		return nil, errRefused
	case end == 0:
		return nil, errShort
	case end > limit || end < 3 || rest[end-2] != '\r':
		return nil, errRefused
	}
	m.pos += end
	return rest[:end-2], nil
}

// digits reports whether s is an optional minus and 1 to maxDigits digits.
func digits(s string) bool {
	s, _ = cutMinus(s)
	if len(s) == 0 || len(s) > maxDigits {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func cutMinus(s string) (string, bool) {
	if len(s) > 0 && s[0] == '-' {
		return s[1:], true
	}
	return s, false
}

func (m *model) integer(s string) (int64, error) {
	if !digits(s) {
		return 0, errRefused
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errRefused
	}
	return n, nil
}

// length parses a '$' or '*' length: -1, or a count within its bound.
func (m *model) length(kind byte, s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	if _, neg := cutMinus(s); neg || !digits(s) {
		return 0, errRefused
	}
	n, err := strconv.ParseUint(s, 10, 64)
	bound := m.budget - m.open*slotSize
	if kind == '*' {
		bound = min(m.elems, m.budget/slotSize) - m.open
	}
	if err != nil || n > bound {
		return 0, errRefused
	}
	return int64(n), nil
}

func (m *model) bulk(n int64) ([]byte, error) {
	rest := m.data[m.pos:]
	if int64(len(rest)) < n+2 {
		return nil, errShort
	}
	if rest[n] != '\r' || rest[n+1] != '\n' {
		return nil, errRefused
	}
	m.pos += int(n) + 2
	return bytes.Clone(rest[:n]), nil
}

func (m *model) array(n int64) ([]any, error) {
	if m.depth == maxDepth {
		return nil, errRefused
	}
	m.depth++
	m.open += uint64(n)
	vals := make([]any, 0, n)
	for range n {
		v, err := m.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		m.open--
	}
	m.depth--
	return vals, nil
}
