package redis

import (
	"bufio"
	"strconv"
	"time"

	"github.com/herd-go/herd/messages"
)

// encoder writes commands as RESP arrays of bulk strings straight into a
// connection's buffer. It keeps the first error, so that a command reads
// as a plain sequence of fields, and a scratch array for numbers, so that
// writing one allocates nothing.
type encoder struct {
	w    *bufio.Writer
	num  [32]byte // a number argument's digits; room for any float
	head [24]byte // a header line: type byte, up to 20 digits, \r\n
	err  error
}

// encode writes the commands that serve req, which has passed Check. Most
// requests are one command; a Touch that removes the TTL is two (PERSIST,
// then EXISTS), because PERSIST alone answers 0 both for a missing key and
// for a key that had no TTL. It fails only if the buffer fails to send.
func (e *encoder) encode(req messages.Request) error {
	e.err = nil
	switch r := req.(type) {
	case *messages.Get:
		e.command("GET", 1)
		e.str(r.Key)
	case *messages.Set:
		e.set(r)
	case *messages.Delete:
		e.command("DEL", 1)
		e.str(r.Key)
	case *messages.Incr:
		e.command("INCRBY", 2)
		e.str(r.Key)
		e.int(r.Delta)
	case *messages.Touch:
		e.touch(r)
	case *messages.GetMulti:
		e.command("MGET", len(r.Keys))
		for _, k := range r.Keys {
			e.str(k)
		}
	case *messages.Do:
		e.command(r.Command, len(r.Args))
		for _, a := range r.Args {
			e.arg(a)
		}
	}
	return e.err
}

// strings writes a command given as its name and arguments, all strings.
func (e *encoder) strings(cmd []string) error {
	e.err = nil
	e.command(cmd[0], len(cmd)-1)
	for _, a := range cmd[1:] {
		e.str(a)
	}
	return e.err
}

// set maps the store modes redis has: SET with NX or XX for the
// conditional ones, APPEND for appends.
func (e *encoder) set(r *messages.Set) {
	if r.Mode == messages.ModeAppend {
		e.command("APPEND", 2)
		e.str(r.Key)
		e.bytes(r.Value)
		return
	}
	var cond string
	switch r.Mode {
	case messages.ModeAdd:
		cond = "NX"
	case messages.ModeReplace:
		cond = "XX"
	}
	n := 2
	if r.TTL > 0 {
		n += 2
	}
	if cond != "" {
		n++
	}
	e.command("SET", n)
	e.str(r.Key)
	e.bytes(r.Value)
	if r.TTL > 0 {
		e.str("PX")
		e.int(millis(r.TTL))
	}
	if cond != "" {
		e.str(cond)
	}
}

func (e *encoder) touch(r *messages.Touch) {
	if r.TTL == 0 {
		e.command("PERSIST", 1)
		e.str(r.Key)
		e.command("EXISTS", 1)
		e.str(r.Key)
		return
	}
	e.command("PEXPIRE", 2)
	e.str(r.Key)
	e.int(millis(r.TTL))
}

// millis converts a positive TTL to whole milliseconds, rounding up so that
// a TTL under a millisecond still expires rather than being refused.
func millis(ttl time.Duration) int64 {
	ms := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// command starts a command: the array header for the name and its args
// arguments, then the name.
func (e *encoder) command(name string, args int) {
	e.header('*', int64(args)+1)
	e.str(name)
}

// arg writes one argument of a Do, of a type checkDo accepts.
func (e *encoder) arg(a any) {
	switch a := a.(type) {
	case string:
		e.str(a)
	case []byte:
		e.bytes(a)
	case nil:
		e.str("")
	default:
		digits, _ := appendScalar(e.num[:0], a)
		e.bytes(digits)
	}
}

// appendScalar appends the form redis reads of a number or a bool (1 or 0)
// to b. It reports false, and appends nothing, for any other type.
func appendScalar(b []byte, a any) ([]byte, bool) {
	switch a := a.(type) {
	case int:
		return strconv.AppendInt(b, int64(a), 10), true
	case int8:
		return strconv.AppendInt(b, int64(a), 10), true
	case int16:
		return strconv.AppendInt(b, int64(a), 10), true
	case int32:
		return strconv.AppendInt(b, int64(a), 10), true
	case int64:
		return strconv.AppendInt(b, a, 10), true
	case uint:
		return strconv.AppendUint(b, uint64(a), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(a), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(a), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(a), 10), true
	case uint64:
		return strconv.AppendUint(b, a, 10), true
	case float32:
		return strconv.AppendFloat(b, float64(a), 'g', -1, 32), true
	case float64:
		return strconv.AppendFloat(b, a, 'g', -1, 64), true
	case bool:
		if a {
			return append(b, '1'), true
		}
		return append(b, '0'), true
	}
	return b, false
}

// int writes n as a bulk string of its decimal digits.
func (e *encoder) int(n int64) { e.bytes(strconv.AppendInt(e.num[:0], n, 10)) }

func (e *encoder) str(s string) {
	e.header('$', int64(len(s)))
	e.writeString(s)
	e.writeString("\r\n")
}

func (e *encoder) bytes(b []byte) {
	e.header('$', int64(len(b)))
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
	e.writeString("\r\n")
}

// header writes a '*' or '$' line announcing n elements or bytes. It
// builds the line in e.head, since e.num may hold the bulk string that
// follows.
func (e *encoder) header(kind byte, n int64) {
	b := append(e.head[:0], kind)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, '\r', '\n')
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) writeString(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}
