package redis

import (
	"time"

	"github.com/herd-go/herd/messages"
)

// command is one redis command as redigo sends it: a name and its
// arguments after the name.
type command struct {
	name string
	args []any
}

// commandsFor turns a checked request into the commands that serve it. Most
// requests are one command; a Touch that removes the TTL is two (PERSIST,
// then EXISTS), because PERSIST alone answers 0 both for a missing key and
// for a key that had no TTL.
func commandsFor(req messages.Request) []command {
	switch r := req.(type) {
	case *messages.Get:
		return one("GET", r.Key)
	case *messages.Set:
		return setCommand(r)
	case *messages.Delete:
		return one("DEL", r.Key)
	case *messages.Incr:
		return one("INCRBY", r.Key, r.Delta)
	case *messages.Touch:
		if r.TTL == 0 {
			return []command{{"PERSIST", []any{r.Key}}, {"EXISTS", []any{r.Key}}}
		}
		return one("PEXPIRE", r.Key, millis(r.TTL))
	case *messages.GetMulti:
		args := make([]any, len(r.Keys))
		for i, k := range r.Keys {
			args[i] = k
		}
		return []command{{"MGET", args}}
	case *messages.Do:
		return []command{{r.Command, r.Args}}
	}
	return nil
}

func one(name string, args ...any) []command {
	return []command{{name, args}}
}

// setCommand maps the store modes redis has: SET with NX or XX for the
// conditional ones, APPEND for appends.
func setCommand(r *messages.Set) []command {
	if r.Mode == messages.ModeAppend {
		return one("APPEND", r.Key, r.Value)
	}
	args := []any{r.Key, r.Value}
	if r.TTL > 0 {
		args = append(args, "PX", millis(r.TTL))
	}
	switch r.Mode {
	case messages.ModeAdd:
		args = append(args, "NX")
	case messages.ModeReplace:
		args = append(args, "XX")
	}
	return []command{{"SET", args}}
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
