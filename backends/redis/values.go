package redis

// value reads one reply in the shapes a Do documents: []byte for a bulk
// string, string for a status, int64 for an integer, []any for an array,
// nil for a null of either kind, and *ServerError for an error reply.
func (p *reader) value() (any, error) {
	h, err := p.header()
	if err != nil {
		return nil, err
	}
	switch {
	case h.isNull():
		return nil, nil
	case h.kind == '+':
		return status(h.text), nil
	case h.kind == '-':
		return serverError(h.text), nil
	case h.kind == ':':
		return h.n, nil
	case h.kind == '$':
		return p.bulk(h.n)
	}
	return p.array(h.n)
}

// array reads the n elements of an array whose header has been read.
func (p *reader) array(n int64) ([]any, error) {
	if err := p.push(n); err != nil {
		return nil, err
	}
	vals := make([]any, n)
	for i := range vals {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals[i] = v
		p.received()
	}
	p.pop()
	return vals, nil
}

// Statuses redis sends often, kept so that reading them allocates nothing.
var statuses = map[string]string{"OK": "OK", "PONG": "PONG", "QUEUED": "QUEUED"}

// status returns a status line's text as a string.
func status(text []byte) string {
	if s, ok := statuses[string(text)]; ok {
		return s
	}
	return string(text)
}

// serverError makes an error reply's text a *ServerError.
func serverError(text []byte) *ServerError { return &ServerError{Text: string(text)} }
