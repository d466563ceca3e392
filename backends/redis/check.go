package redis

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/herd-go/herd/messages"
)

// check is Backend.Check for resolved options. It sends nothing and
// allocates only for the error it returns.
func (o *Options) check(req messages.Request) error {
	if isNil(req) {
		return fmt.Errorf("%w: nil request", messages.ErrInvalidRequest)
	}
	switch r := req.(type) {
	case *messages.Get:
		return o.checkKey(r.Key)
	case *messages.Set:
		return o.checkSet(r)
	case *messages.Delete:
		return o.checkKey(r.Key)
	case *messages.Incr:
		return o.checkKey(r.Key)
	case *messages.Touch:
		if r.TTL < 0 {
			return fmt.Errorf("%w: negative TTL %v", messages.ErrInvalidRequest, r.TTL)
		}
		return o.checkKey(r.Key)
	case *messages.GetMulti:
		return o.checkGetMulti(r)
	case *messages.Do:
		return o.checkDo(r)
	}
	return fmt.Errorf("%w: redis cannot serve %T", messages.ErrUnsupported, req)
}

// checkKey holds a key to the one rule redis needs: not empty, not over
// MaxKeySize. Keys are binary safe, so any byte is allowed.
func (o *Options) checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", messages.ErrMalformedKey)
	}
	if len(key) > o.MaxKeySize {
		return fmt.Errorf("%w: key of %d bytes is over the limit of %d",
			messages.ErrMalformedKey, len(key), o.MaxKeySize)
	}
	return nil
}

func (o *Options) checkValue(n int) error {
	if n > o.MaxValueSize {
		return fmt.Errorf("%w: value of %d bytes is over the limit of %d",
			messages.ErrValueTooLarge, n, o.MaxValueSize)
	}
	return nil
}

func (o *Options) checkSet(r *messages.Set) error {
	if err := o.checkKey(r.Key); err != nil {
		return err
	}
	if err := o.checkValue(len(r.Value)); err != nil {
		return err
	}
	if r.TTL < 0 {
		return fmt.Errorf("%w: negative TTL %v", messages.ErrInvalidRequest, r.TTL)
	}
	if r.Flags != 0 {
		return fmt.Errorf("%w: redis keeps no flags", messages.ErrUnsupported)
	}
	switch r.Mode {
	case messages.ModeSet, messages.ModeAdd, messages.ModeReplace:
		return nil
	case messages.ModeAppend:
		if r.TTL > 0 {
			return fmt.Errorf("%w: append with a TTL", messages.ErrUnsupported)
		}
		return nil
	}
	return fmt.Errorf("%w: store mode %v", messages.ErrUnsupported, r.Mode)
}

func (o *Options) checkGetMulti(r *messages.GetMulti) error {
	if len(r.Keys) == 0 {
		return fmt.Errorf("%w: get-multi with no keys", messages.ErrInvalidRequest)
	}
	for _, k := range r.Keys {
		if err := o.checkKey(k); err != nil {
			return err
		}
	}
	return nil
}

// checkDo checks the routing key like any other key, and every argument:
// a string or a byte slice against MaxValueSize; an integer, a float, a
// bool or nil is small; any other type is refused, since herd would have
// to guess how redis should read it.
func (o *Options) checkDo(r *messages.Do) error {
	if r.Command == "" {
		return fmt.Errorf("%w: empty command", messages.ErrInvalidRequest)
	}
	if isStateful(r) {
		return fmt.Errorf("%w: %s changes the connection's state or reply stream, "+
			"which a shared connection cannot carry",
			messages.ErrUnsupported, clipCommand(r.Command))
	}
	if err := o.checkKey(r.Key); err != nil {
		return err
	}
	for i, a := range r.Args {
		if err := o.checkArg(i, a); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) checkArg(i int, a any) error {
	switch a := a.(type) {
	case string:
		return o.checkValue(len(a))
	case []byte:
		return o.checkValue(len(a))
	case nil:
		return nil
	}
	var digits [32]byte
	if _, ok := appendScalar(digits[:0], a); !ok {
		return fmt.Errorf("%w: argument %d is a %T; Do takes strings, byte slices, "+
			"integers, floats, bools and nil", messages.ErrInvalidRequest, i+1, a)
	}
	return nil
}

// stateful lists the commands Do refuses. Each one changes what later
// replies on the connection look like (pub/sub, MONITOR, CLIENT REPLY,
// RESP3, transactions, another DB or user, a reset or a closed connection),
// so the next caller on the same worker would get a reply that is not its
// own. herd's own options cover AUTH and SELECT.
var stateful = map[string]bool{
	"SUBSCRIBE": true, "PSUBSCRIBE": true, "SSUBSCRIBE": true,
	"UNSUBSCRIBE": true, "PUNSUBSCRIBE": true, "SUNSUBSCRIBE": true,
	"MONITOR": true, "HELLO": true, "RESET": true, "QUIT": true,
	"MULTI": true, "EXEC": true, "DISCARD": true, "WATCH": true, "UNWATCH": true,
	"SELECT": true, "AUTH": true, "SYNC": true, "PSYNC": true, "REPLCONF": true,
}

// isStateful reports whether r is a command in stateful, or CLIENT REPLY
// or CLIENT TRACKING (other CLIENT subcommands are harmless).
func isStateful(r *messages.Do) bool {
	cmd := strings.ToUpper(r.Command)
	if cmd != "CLIENT" || len(r.Args) == 0 {
		return stateful[cmd]
	}
	var sub string
	switch a := r.Args[0].(type) {
	case string:
		sub = a
	case []byte:
		sub = string(a)
	}
	sub = strings.ToUpper(sub)
	return sub == "REPLY" || sub == "TRACKING"
}

func clipCommand(c string) string {
	if len(c) > 32 {
		return c[:32] + "..."
	}
	return c
}

// isNil reports whether req is nil or a nil pointer, which would otherwise
// panic when its key is read.
func isNil(req messages.Request) bool {
	if req == nil {
		return true
	}
	v := reflect.ValueOf(req)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
