package redis

import (
	"fmt"

	redigo "github.com/gomodule/redigo/redis"
	"github.com/herd-go/herd/messages"
)

// decode turns the replies to req's commands into herd's Reply. A redis
// error reply among them is the request's outcome. A reply of a type the
// command never answers means herd and the server disagree about the
// stream, so it is a protocol error and the connection is dropped.
func decode(req messages.Request, vals []any) (*messages.Reply, error) {
	for _, v := range vals {
		if e, ok := v.(redigo.Error); ok {
			return messages.ErrorReply(serverError(e)), nil
		}
	}
	switch r := req.(type) {
	case *messages.Get:
		return decodeGet(vals[0])
	case *messages.Set:
		return decodeSet(r, vals[0])
	case *messages.Delete, *messages.Touch:
		return decodeCount(vals)
	case *messages.Incr:
		n, ok := vals[0].(int64)
		if !ok {
			return nil, unexpected("INCRBY", vals[0])
		}
		return &messages.Reply{Int: n}, nil
	case *messages.GetMulti:
		return decodeMulti(r, vals[0])
	}
	return &messages.Reply{Result: vals[0]}, nil
}

func decodeGet(v any) (*messages.Reply, error) {
	switch v := v.(type) {
	case []byte:
		return &messages.Reply{Value: v}, nil
	case nil:
		return messages.ErrorReply(messages.ErrMiss), nil
	}
	return nil, unexpected("GET", v)
}

// decodeSet reads SET's "OK" or nil (a NX or XX condition that did not
// hold) and APPEND's new length.
func decodeSet(r *messages.Set, v any) (*messages.Reply, error) {
	if r.Mode == messages.ModeAppend {
		if _, ok := v.(int64); !ok {
			return nil, unexpected("APPEND", v)
		}
		return &messages.Reply{}, nil
	}
	switch v {
	case "OK":
		return &messages.Reply{}, nil
	case nil:
		return messages.ErrorReply(messages.ErrNotStored), nil
	}
	return nil, unexpected("SET", v)
}

// decodeCount reads the integer replies of DEL, PEXPIRE, and PERSIST with
// EXISTS: the key was there if any of them is non-zero.
func decodeCount(vals []any) (*messages.Reply, error) {
	hit := false
	for _, v := range vals {
		n, ok := v.(int64)
		if !ok {
			return nil, unexpected("an integer command", v)
		}
		hit = hit || n != 0
	}
	if !hit {
		return messages.ErrorReply(messages.ErrMiss), nil
	}
	return &messages.Reply{}, nil
}

// decodeMulti reads MGET's array, one entry per key in order, nil for a
// miss. Misses are left out of Items.
func decodeMulti(r *messages.GetMulti, v any) (*messages.Reply, error) {
	vals, ok := v.([]any)
	if !ok || len(vals) != len(r.Keys) {
		return nil, unexpected("MGET", v)
	}
	items := make(map[string]messages.Item, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case []byte:
			items[r.Keys[i]] = messages.Item{Value: v}
		case nil:
		default:
			return nil, unexpected("MGET", v)
		}
	}
	return &messages.Reply{Items: items}, nil
}

// serverError carries redis's own error text, such as "WRONGTYPE ...".
func serverError(e redigo.Error) error {
	return fmt.Errorf("%w: %w", messages.ErrServer, e)
}

func unexpected(cmd string, v any) error {
	return fmt.Errorf("%w: unexpected %T reply to %s", messages.ErrProtocol, v, cmd)
}
