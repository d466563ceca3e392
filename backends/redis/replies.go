package redis

import "github.com/herd-go/herd/messages"

// decode reads the replies to req's commands and fills into, in one pass
// that parses, bounds and interprets each reply. A redis error reply is
// the request's outcome. A reply of a type the command never answers means
// herd and the server disagree about the stream: a protocol error, and the
// connection is dropped. into is filled only once the whole reply is read,
// so that a failed read leaves it as it was.
func (p *reader) decode(req messages.Request, into *messages.Reply) error {
	switch r := req.(type) {
	case *messages.Get:
		return p.readGet(into)
	case *messages.Set:
		return p.readSet(r, into)
	case *messages.Delete:
		return p.readCounts("DEL", 1, into)
	case *messages.Touch:
		if r.TTL == 0 {
			return p.readCounts("PERSIST and EXISTS", 2, into)
		}
		return p.readCounts("PEXPIRE", 1, into)
	case *messages.Incr:
		return p.readIncr(into)
	case *messages.GetMulti:
		return p.readMulti(r.Keys, into)
	}
	return p.readDo(into)
}

// readGet reads GET's bulk string, or a null for a miss.
func (p *reader) readGet(into *messages.Reply) error {
	h, err := p.header()
	switch {
	case err != nil:
		return err
	case h.isNull():
		into.Err = messages.ErrMiss
	case h.kind == '$':
		v, err := p.bulk(h.n)
		if err != nil {
			return err
		}
		into.Value = v
	case h.kind == '-':
		into.Err = serverError(h.text)
	default:
		return unexpected(h, "GET")
	}
	return nil
}

// readSet reads SET's "OK" or null (a NX or XX condition that did not
// hold), or APPEND's new length.
func (p *reader) readSet(r *messages.Set, into *messages.Reply) error {
	h, err := p.header()
	switch {
	case err != nil:
		return err
	case h.kind == '-':
		into.Err = serverError(h.text)
	case r.Mode == messages.ModeAppend:
		if h.kind != ':' {
			return unexpected(h, "APPEND")
		}
	case h.isNull():
		into.Err = messages.ErrNotStored
	case h.kind != '+' || string(h.text) != "OK":
		return unexpected(h, "SET")
	}
	return nil
}

// readCounts reads the n integer replies of DEL, PEXPIRE, or PERSIST and
// EXISTS, all of them even if one is an error reply, so that the next read
// starts at the next request. The key was there if any of them is
// non-zero.
func (p *reader) readCounts(cmd string, n int, into *messages.Reply) error {
	hit := false
	var failed error
	for range n {
		h, err := p.header()
		switch {
		case err != nil:
			return err
		case h.kind == '-' && failed == nil:
			failed = serverError(h.text)
		case h.kind == '-':
		case h.kind != ':':
			return unexpected(h, cmd)
		}
		hit = hit || (h.kind == ':' && h.n != 0)
	}
	switch {
	case failed != nil:
		into.Err = failed
	case !hit:
		into.Err = messages.ErrMiss
	}
	return nil
}

// readIncr reads INCRBY's new value.
func (p *reader) readIncr(into *messages.Reply) error {
	h, err := p.header()
	switch {
	case err != nil:
		return err
	case h.kind == '-':
		into.Err = serverError(h.text)
	case h.kind == ':':
		into.Int = h.n
	default:
		return unexpected(h, "INCRBY")
	}
	return nil
}

// readMulti reads MGET's array, one entry per key in order, null for a
// miss, straight into Items. Misses are left out.
func (p *reader) readMulti(keys []string, into *messages.Reply) error {
	h, err := p.header()
	switch {
	case err != nil:
		return err
	case h.kind == '-':
		into.Err = serverError(h.text)
		return nil
	case h.kind != '*' || h.n != int64(len(keys)):
		return unexpected(h, "MGET")
	}
	if err := p.push(h.n); err != nil {
		return err
	}
	items := make(map[string]messages.Item, len(keys))
	for _, k := range keys {
		h, err := p.header()
		switch {
		case err != nil:
			return err
		case h.isNull():
		case h.kind != '$':
			return unexpected(h, "MGET")
		default:
			v, err := p.bulk(h.n)
			if err != nil {
				return err
			}
			items[k] = messages.Item{Value: v}
		}
		p.received()
	}
	p.pop()
	into.Items = items
	return nil
}

// readDo reads a Do's raw reply into Result; an error reply at the top
// goes to Err instead.
func (p *reader) readDo(into *messages.Reply) error {
	v, err := p.value()
	if err != nil {
		return err
	}
	if se, ok := v.(*ServerError); ok {
		into.Err = se
		return nil
	}
	into.Result = v
	return nil
}

// unexpected reports a reply of a type cmd never answers.
func unexpected(h header, cmd string) error {
	return protocolError("unexpected %s reply to %s", h.what(), cmd)
}
