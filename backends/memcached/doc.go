// Package memcached is herd's codec for the memcached text protocol: a
// Backend that checks requests and dials nodes, and a connection that
// writes commands and reads their replies in order.
//
// # Requests
//
// Every request is checked before a byte of it is buffered, both by
// Backend.Check and again by the connection's Write. A key must be 1 to 250
// bytes with no space, control character or DEL in it (the protocol
// separates fields with spaces and ends lines with "\r\n", so such a key
// would smuggle in a second command); otherwise the error wraps
// messages.ErrMalformedKey. A value over Options.MaxValueSize gives
// messages.ErrValueTooLarge, a negative TTL or an empty GetMulti
// messages.ErrInvalidRequest, and a Do messages.ErrUnsupported.
//
// A checked request is encoded straight into the connection's write buffer,
// numbers formatted in place:
//
//	Get       gets <key>
//	GetMulti  gets <key1> <key2> ...
//	Set       <mode> <key> <flags> <exptime> <bytes>[ <cas>]\r\n<data>
//	Delete    delete <key>
//	Incr      incr <key> <delta>, or decr <key> <-delta> if Delta < 0
//	Touch     touch <key> <exptime>
//
// each ended by "\r\n". Gets are always "gets", so that a hit carries its
// CAS token for a later ModeCAS store. A TTL becomes memcached's exptime:
// zero means no expiry, a part second rounds up to a whole one, and a TTL
// over 30 days is sent as an absolute unix time, as memcached requires.
//
// Write only buffers and Flush sends, so a worker may write several
// requests, flush once, and read their replies one by one.
//
// # Replies
//
// Read is given the request whose reply comes next and parses exactly that
// reply from a bufio.Reader: one status line, a number for incr and decr,
// or for a get zero or more "VALUE <key> <flags> <bytes> <cas>" lines, each
// followed by its data block and "\r\n", then "END". Hits of a multi-get
// must come in the order the keys were asked, as memcached sends them.
//
// # Errors and the life of a connection
//
// A reply that ends cleanly leaves the connection in step with the server,
// whatever it says. Such outcomes come back in the Reply's Err with a nil
// error: NOT_FOUND or a get with no value is messages.ErrMiss, NOT_STORED is
// messages.ErrNotStored, EXISTS is messages.ErrCASConflict, and a
// SERVER_ERROR or CLIENT_ERROR line is a *ServerError, which wraps
// messages.ErrServer and keeps the server's text.
//
// Anything else means the stream can no longer be trusted, and Read returns
// a non-nil error; the worker then closes the connection rather than read
// another request's reply in the wrong place. A bare ERROR (the server did
// not know the command), a line that is not a reply to this request, a VALUE
// for a key not asked for, a counter beyond int64, a malformed or
// over-limit byte count, a data block not followed by "\r\n", or a line
// longer than the read buffer wrap messages.ErrProtocol. A byte count is
// checked against MaxValueSize before anything is allocated for it, so no
// reply can make the parser allocate more than MaxValueSize per key asked.
// A broken or closed connection wraps messages.ErrConnection, and a deadline
// passing messages.ErrTimeout.
//
// # TLS
//
// With Options.TLS set, Dial wraps the socket in TLS, for a memcached
// started with -Z, and completes the handshake within the Dial context,
// verifying the server's certificate against the node's host unless
// TLS.ServerName is set. It then asks the server's version, one round
// trip, since under TLS 1.3 a server that refuses the client's certificate
// says so only after the client's side of the handshake has ended. Every
// TLS failure, the handshake's, that refusal, or a TLS alert later on,
// wraps messages.ErrTLS, which wraps messages.ErrConnection.
package memcached
