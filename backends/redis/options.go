package redis

import (
	"crypto/tls"
	"fmt"
)

// Default limits, used where an Options field is zero.
const (
	// DefaultMaxKeySize is the longest key herd sends, in bytes. Redis
	// itself accepts keys up to 512 MiB; long keys are almost always a
	// mistake, so herd refuses them early.
	DefaultMaxKeySize = 64 << 10
	// DefaultMaxValueSize is 32 MiB, well under redis's own limit of
	// 512 MiB on a bulk string. It bounds more than the values herd sends:
	// with 1 MiB of slack it is also what one reply may announce, in bulk
	// string bytes and array slots together, before herd has seen a byte
	// of its data, and so what a broken or hostile server can make one
	// connection allocate for nothing. Users who store larger values raise
	// it, and accept that much memory per connection at risk.
	DefaultMaxValueSize = 32 << 20
)

// Options configures a Backend. The zero value connects to database 0 with
// no authentication and the default limits.
type Options struct {
	// Username is the ACL user to authenticate as. Zero value: none; with a
	// Password, AUTH then authenticates the "default" user.
	Username string
	// Password, when set, is sent with AUTH right after each dial. Zero
	// value: no AUTH. It never appears in an error or in String.
	Password string
	// TLS, when set, makes every connection TLS: the server's certificate
	// is verified against TLS.RootCAs (the system's roots if nil) and
	// TLS.ServerName, which is the node's host when left empty; a client
	// certificate in TLS.Certificates is presented to servers that ask for
	// one (redis --tls-auth-clients). herd never changes it, and never
	// prints it. Zero value: plain TCP.
	TLS *tls.Config
	// DB is the database SELECTed after each dial. Zero value: database 0,
	// and no SELECT is sent.
	DB int
	// MaxKeySize is the longest key accepted, in bytes. Zero value:
	// DefaultMaxKeySize (64 KiB).
	MaxKeySize int
	// MaxValueSize is the largest value accepted, in bytes, and with 1 MiB
	// more the most a reply may announce ahead of its data (see the
	// package's section on the reply bounds). Zero value:
	// DefaultMaxValueSize (32 MiB).
	MaxValueSize int
}

// withDefaults returns o with every zero field resolved. It is the one
// place defaults are decided.
func (o Options) withDefaults() Options {
	if o.MaxKeySize <= 0 {
		o.MaxKeySize = DefaultMaxKeySize
	}
	if o.MaxValueSize <= 0 {
		o.MaxValueSize = DefaultMaxValueSize
	}
	return o
}

// String describes o with the password redacted, and TLS as on or off: the
// tls.Config, which may hold a client certificate's private key, is not
// printed.
func (o Options) String() string {
	pw := "none"
	if o.Password != "" {
		pw = "set"
	}
	tlsOn := "off"
	if o.TLS != nil {
		tlsOn = "on"
	}
	return fmt.Sprintf("redis.Options{Username: %q, Password: %s, TLS: %s, DB: %d, "+
		"MaxKeySize: %d, MaxValueSize: %d}",
		o.Username, pw, tlsOn, o.DB, o.MaxKeySize, o.MaxValueSize)
}

// GoString is String, so that %#v does not print the password either.
func (o Options) GoString() string { return o.String() }
