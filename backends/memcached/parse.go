package memcached

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// parser reads memcached's replies from a stream, one request's reply at a
// time. It keeps no state between replies: everything it needs to know is
// in the request whose reply it reads.
type parser struct {
	r *bufio.Reader
	// maxValue bounds the data block of a VALUE reply; a larger byte count
	// is a protocol error, found before anything is allocated for it.
	maxValue int
}

// outcome maps a status line to the error a Reply carries for it.
type outcome struct {
	line string
	err  error
}

// The status lines each command may answer with, besides server errors.
var (
	setOutcomes = []outcome{
		{"STORED", nil},
		{"NOT_STORED", messages.ErrNotStored},
		{"EXISTS", messages.ErrCASConflict},
		{"NOT_FOUND", messages.ErrMiss},
	}
	deleteOutcomes = []outcome{{"DELETED", nil}, {"NOT_FOUND", messages.ErrMiss}}
	touchOutcomes  = []outcome{{"TOUCHED", nil}, {"NOT_FOUND", messages.ErrMiss}}
)

// readInto reads the reply to req into rep. A protocol-level outcome goes
// in rep.Err; a non-nil error means the stream is out of step or broken.
func (p *parser) readInto(req messages.Request, rep *messages.Reply) error {
	switch r := req.(type) {
	case *messages.Get:
		return p.readGet(r.Key, rep)
	case *messages.GetMulti:
		return p.readGetMulti(r.Keys, rep)
	case *messages.Set:
		return p.readStatus(setOutcomes, rep)
	case *messages.Delete:
		return p.readStatus(deleteOutcomes, rep)
	case *messages.Touch:
		return p.readStatus(touchOutcomes, rep)
	case *messages.Incr:
		return p.readIncr(rep)
	}
	// Nothing was written for such a request, so whatever comes next
	// belongs to another: the caller has lost track of the stream.
	return fmt.Errorf("%w: %w: no memcached reply to read for %T",
		messages.ErrProtocol, messages.ErrUnsupported, req)
}

// readStatus reads a one-line reply and maps it through outcomes.
func (p *parser) readStatus(outcomes []outcome, rep *messages.Reply) error {
	line, err := p.line()
	if err != nil {
		return err
	}
	for _, o := range outcomes {
		if string(line) == o.line {
			rep.Err = o.err
			return nil
		}
	}
	return unexpected(line, rep)
}

// readIncr reads the reply to incr or decr: the new value, or NOT_FOUND.
// Old servers pad the number with spaces after a decr shortens it. memcached
// counters are unsigned 64-bit; one beyond math.MaxInt64 cannot be carried
// in Reply.Int and is treated as an unexpected reply.
func (p *parser) readIncr(rep *messages.Reply) error {
	line, err := p.line()
	if err != nil {
		return err
	}
	if string(line) == "NOT_FOUND" {
		rep.Err = messages.ErrMiss
		return nil
	}
	if n, ok := parseUint(bytes.TrimRight(line, " "), math.MaxInt64); ok {
		rep.Int = int64(n)
		return nil
	}
	return unexpected(line, rep)
}

// unexpected handles a line that is none of the replies the request
// expects: a server error line ends the reply cleanly, in rep.Err; anything
// else, including a bare ERROR (the server did not know the command), means
// the stream is out of step.
func unexpected(line []byte, rep *messages.Reply) error {
	if err := serverError(line); err != nil {
		rep.Err = err
		return nil
	}
	return protocolError("unexpected reply %q", backends.Clip(line))
}

// serverError returns a *ServerError if line is a SERVER_ERROR or
// CLIENT_ERROR line, nil otherwise.
func serverError(line []byte) error {
	for _, prefix := range [...]string{"SERVER_ERROR", "CLIENT_ERROR"} {
		rest, ok := bytes.CutPrefix(line, []byte(prefix))
		if ok && (len(rest) == 0 || rest[0] == ' ') {
			return &ServerError{Line: string(line)}
		}
	}
	return nil
}

// line reads one reply line and returns it without its "\r\n". The slice
// points into the reader's buffer and is valid until the next read.
func (p *parser) line() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, protocolError("reply line longer than %d bytes", p.r.Size())
	case err != nil:
		return nil, ioError("read", err)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, protocolError("reply line %q does not end in \\r\\n", backends.Clip(line))
	}
	return line[:len(line)-2], nil
}

// block reads a data block of n bytes and the "\r\n" that must follow it.
func (p *parser) block(n int) ([]byte, error) {
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(p.r, buf); err != nil {
		return nil, ioError("read", err)
	}
	if buf[n] != '\r' || buf[n+1] != '\n' {
		return nil, protocolError("data block of %d bytes not followed by \\r\\n", n)
	}
	return buf[:n:n], nil
}

// parseUint parses a decimal number of at most max: digits only, no sign,
// no spaces.
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if d > max || n > (max-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
