package memcached

import (
	"fmt"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// maxKeyLen is the longest key memcached accepts, in bytes.
const maxKeyLen = 250

// Check reports whether req can be sent as it is, with a typed error if not:
// messages.ErrMalformedKey, ErrValueTooLarge, ErrInvalidRequest or
// ErrUnsupported. It sends nothing. Conn.Write runs the same check.
func (b *Backend) Check(req messages.Request) error {
	switch r := req.(type) {
	case *messages.Get:
		return checkKey(r.Key)
	case *messages.GetMulti:
		return checkKeys(r.Keys)
	case *messages.Set:
		return b.checkSet(r)
	case *messages.Delete:
		return checkKey(r.Key)
	case *messages.Incr:
		return checkKey(r.Key)
	case *messages.Touch:
		if err := checkKey(r.Key); err != nil {
			return err
		}
		return checkTTL(r.TTL)
	case *messages.Do:
		return fmt.Errorf("%w: memcached has no Do (command %q)",
			messages.ErrUnsupported, backends.Clip(r.Command))
	}
	return fmt.Errorf("%w: memcached cannot serve %T", messages.ErrUnsupported, req)
}

// checkKey enforces memcached's key rule: 1 to 250 bytes, none of them a
// space, a control character or DEL, since the text protocol separates
// fields with spaces and ends lines with "\r\n".
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: key is empty", messages.ErrMalformedKey)
	case len(key) > maxKeyLen:
		return fmt.Errorf("%w: key %q is %d bytes, over memcached's %d",
			messages.ErrMalformedKey, backends.Clip(key), len(key), maxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: key %q has byte %#02x at offset %d; memcached keys "+
				"cannot hold spaces or control characters",
				messages.ErrMalformedKey, backends.Clip(key), c, i)
		}
	}
	return nil
}

// checkKeys checks every key of a GetMulti.
func checkKeys(keys []string) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: GetMulti with no keys", messages.ErrInvalidRequest)
	}
	for i, k := range keys {
		if err := checkKey(k); err != nil {
			return fmt.Errorf("GetMulti key %d of %d: %w", i, len(keys), err)
		}
	}
	return nil
}

// checkSet checks a store request's key, value size, TTL and mode.
func (b *Backend) checkSet(r *messages.Set) error {
	if err := checkKey(r.Key); err != nil {
		return err
	}
	if len(r.Value) > b.opts.MaxValueSize {
		return fmt.Errorf("%w: value of %d bytes for key %q, over the limit of %d",
			messages.ErrValueTooLarge, len(r.Value), backends.Clip(r.Key), b.opts.MaxValueSize)
	}
	if r.Mode > messages.ModeCAS {
		return fmt.Errorf("%w: unknown store mode %d", messages.ErrInvalidRequest, r.Mode)
	}
	return checkTTL(r.TTL)
}

// checkTTL refuses negative TTLs; zero means no expiry.
func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w: negative TTL %v", messages.ErrInvalidRequest, ttl)
	}
	return nil
}
