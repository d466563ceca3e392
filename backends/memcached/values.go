package memcached

import (
	"bytes"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// valueLine is the header of one hit in a gets reply:
// "VALUE <key> <flags> <bytes> <cas>".
type valueLine struct {
	key   []byte // points into the reader's buffer
	flags uint32
	size  int
	cas   uint64
}

// readGet reads the reply to "gets <key>": one hit or none, then END.
func (p *parser) readGet(key string, rep *messages.Reply) error {
	rep.Err = messages.ErrMiss
	keys := [1]string{key}
	end, err := p.readItems(keys[:], func(_ int, it messages.Item) {
		rep.Value, rep.Flags, rep.CAS, rep.Err = it.Value, it.Flags, it.CAS, nil
	})
	if err != nil {
		return err
	}
	if end != nil {
		rep.Err = end
	}
	return nil
}

// readGetMulti reads the reply to "gets k1 k2 ...": the hits go into
// Reply.Items by key; a miss is simply absent.
func (p *parser) readGetMulti(keys []string, rep *messages.Reply) error {
	end, err := p.readItems(keys, func(i int, it messages.Item) {
		if rep.Items == nil {
			rep.Items = make(map[string]messages.Item)
		}
		rep.Items[keys[i]] = it
	})
	if err != nil {
		return err
	}
	rep.Err = end
	return nil
}

// readItems reads a gets reply up to its last line, calling hit with each
// value and the index in keys of the key it answers. memcached answers hits
// in the order the keys were asked, so each VALUE line must name a key
// further along keys than the one before: this catches a key never asked
// for, and bounds the number of values read to len(keys). end is nil after
// END, or the *ServerError that ended the reply instead.
func (p *parser) readItems(keys []string, hit func(int, messages.Item)) (end, err error) {
	for next := 0; ; {
		line, err := p.line()
		if err != nil {
			return nil, err
		}
		if string(line) == "END" {
			return nil, nil
		}
		if err := serverError(line); err != nil {
			return err, nil
		}
		v, err := p.parseValueLine(line)
		if err != nil {
			return nil, err
		}
		i := indexFrom(keys, next, v.key)
		if i < 0 {
			return nil, protocolError("VALUE for key %q, which was not asked for "+
				"(or not in order)", backends.Clip(v.key))
		}
		next = i + 1
		data, err := p.block(v.size)
		if err != nil {
			return nil, err
		}
		hit(i, messages.Item{Value: data, Flags: v.flags, CAS: v.cas})
	}
}

// parseValueLine parses "VALUE <key> <flags> <bytes> <cas>", refusing a
// byte count over p.maxValue.
func (p *parser) parseValueLine(line []byte) (valueLine, error) {
	rest, ok := bytes.CutPrefix(line, []byte("VALUE "))
	if !ok {
		return valueLine{}, protocolError("unexpected reply %q", backends.Clip(line))
	}
	if bytes.Count(rest, []byte(" ")) != 3 {
		return valueLine{}, protocolError("VALUE line %q has not 4 fields", backends.Clip(line))
	}
	key, rest, _ := bytes.Cut(rest, []byte(" "))
	flags, rest, _ := bytes.Cut(rest, []byte(" "))
	size, cas, _ := bytes.Cut(rest, []byte(" "))
	v := valueLine{key: key}
	f, okF := parseUint(flags, 1<<32-1)
	n, okN := parseUint(size, uint64(p.maxValue))
	v.flags, v.size = uint32(f), int(n)
	v.cas, ok = parseUint(cas, 1<<64-1)
	if len(key) == 0 || !okF || !okN || !ok {
		return valueLine{}, protocolError("bad VALUE line %q (values limited to %d bytes)",
			backends.Clip(line), p.maxValue)
	}
	return v, nil
}

// indexFrom returns the index of the first of keys[from:] equal to key, or
// -1.
func indexFrom(keys []string, from int, key []byte) int {
	for i := from; i < len(keys); i++ {
		if keys[i] == string(key) {
			return i
		}
	}
	return -1
}
