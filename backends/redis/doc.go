// Package redis is herd's redis backend. It carries herd's requests to
// redis-server nodes over RESP2 with a codec of its own: a writer that
// puts commands straight into a connection's buffer and a reader that
// parses, bounds and interprets each reply in one pass. herd's workers own
// the connections; there is no pool here.
//
// # How a request travels
//
// Backend.Check holds every request to redis's rules before anything is
// sent: a key is 1 to MaxKeySize bytes (any bytes), a value at most
// MaxValueSize, a TTL not negative, only the store modes redis has (set,
// add as SET NX, replace as SET XX, append as APPEND), and a Do's
// arguments of the types listed below. A Conn checks again in Write, so a
// refused request never reaches the buffer, and again in Read, which
// answers a refused request with its refusal and reads nothing.
//
// Write turns the request into one redis command (two for a Touch that
// removes the TTL: PERSIST, then EXISTS, since PERSIST alone cannot tell a
// missing key from one without a TTL) and writes it as a RESP array of
// bulk strings into the connection's 16 KiB buffer, with no argument
// boxed on the way. Flush sends the buffer. Read parses one reply per
// command and decides what it means for the request as it goes: a null
// from GET is ErrMiss, a null from SET NX/XX is ErrNotStored, 0 from DEL
// or PEXPIRE is ErrMiss, an INCRBY result goes to Reply.Int, MGET's bulk
// strings go straight into Reply.Items, and a Do's raw reply goes to
// Reply.Result. Because writing and reading are separate, a worker can
// write several requests, flush once and read their replies in order.
//
// Read fills the Reply its caller provides and keeps nothing of it; it
// fills it only once the whole reply has been read, so a Read that fails
// leaves it as it was. A hit allocates one slice, which holds the value
// and is handed to the caller; SET, DEL, INCRBY, PEXPIRE and misses
// allocate nothing in the codec.
//
// # Do
//
// A Do sends Command and then Args, each argument a bulk string: a string
// or []byte as it is; an int, int8 to int64 or uint, uint8 to uint64 in
// decimal; a float32 or float64 in the shortest form that reads back the
// same ('g' format, so 1e+21 and +Inf); a bool as 1 or 0; nil as an empty
// string. Check refuses any other type, named types such as time.Duration
// included, with messages.ErrInvalidRequest: herd would have to guess how
// redis should read it. Commands that change the connection's state or
// reply stream (SUBSCRIBE, MONITOR, MULTI, SELECT, HELLO, CLIENT REPLY,
// ...) are refused with messages.ErrUnsupported: the next caller on the
// shared connection would get their replies.
//
// Reply.Result holds the reply in these shapes:
//
//   - a bulk string is a []byte of its own (empty, not nil, for "$0");
//   - a status such as "+OK" is a string, "OK";
//   - an integer is an int64;
//   - an array is a []any of elements in these same shapes ([]any{} for
//     "*0");
//   - a null bulk string or null array is nil;
//   - an error reply nested in an array (as EXEC's) is a *ServerError.
//
// An error reply at the top is not a Result: it arrives in Reply.Err, a
// *ServerError that wraps messages.ErrServer, with Result nil.
//
// # Deadlines
//
// Each connection is a net.Conn herd dials itself with the Dial context.
// Conn.SetDeadline, SetReadDeadline and SetWriteDeadline set deadlines on
// the socket itself, so a reader and a writer working at once do not reset
// each other's. AUTH and SELECT run during Dial, bounded by the Dial
// context.
//
// # TLS
//
// With Options.TLS set, Dial wraps the socket in TLS (a *tls.Conn, whose
// deadlines work the same way) and completes the handshake within the Dial
// context, verifying the server's certificate against the node's host
// unless TLS.ServerName is set. It then makes one round trip (AUTH and
// SELECT, or PING when neither is asked for), since under TLS 1.3 a server
// that refuses the client's certificate says so only after the client's
// side of the handshake has ended. Every TLS failure, the handshake's or
// that refusal, wraps messages.ErrTLS, which wraps messages.ErrConnection.
//
// # Errors and the life of a connection
//
// A redis error reply ("-ERR ...", "-WRONGTYPE ...") ends cleanly, so the
// connection stays in step: Read puts a *ServerError in Reply.Err, with
// redis's text, and returns a nil error. So do misses and conditions that
// did not hold. Everything else makes Read (or Write, or Flush) return an
// error, and the worker closes the connection:
//
//   - messages.ErrTimeout when a deadline passed;
//   - messages.ErrConnection when the socket failed or the server closed it,
//     even mid-reply (messages.ErrTLS, which wraps it, when the server
//     sent a TLS alert);
//   - messages.ErrProtocol when the bytes were not RESP2, broke one of the
//     bounds below, or were a reply of a type the command never answers,
//     such as an array for GET.
//
// Once a Read has failed, every later Read on the connection fails the
// same way: the stream is out of step and nothing more is parsed from it.
//
// A wrong password fails Dial with an error wrapping messages.ErrConnection
// and redis's reply; the password itself appears in no error and in no
// String output.
//
// # Reply bounds
//
// A server announces lengths ahead of data: "$n" a bulk string of n bytes
// and "*n" an array of n elements. The reader allocates a bulk string's n
// bytes, and an array's n slots of 16 bytes, as soon as it has read the
// header, and follows nested arrays by recursion; so a garbage or hostile
// reply such as "$99999999999" would make the process allocate 100 GB and
// die, which no error can report. The reader therefore judges every
// header before it allocates. It keeps one budget per connection of
// MaxValueSize plus 1 MiB (the margin admits replies a little larger than
// any value, such as DUMP's or INFO's): the bulk string bytes and the
// array slots announced and not yet received may not together exceed it,
// so that an array and a bulk string inside it cannot add up to twice the
// bound. This is why DefaultMaxValueSize is 32 MiB rather than redis's
// 512 MiB. It refuses:
//
//   - a bulk string longer than what the budget has left beside the array
//     slots still open;
//   - arrays announcing more elements, summed over all arrays still open,
//     than 1 << 20 (whatever MaxValueSize is) or than the budget holds;
//   - arrays nested over 64 deep, and status or error lines over 64 KiB;
//   - a length or integer that is malformed, has over 20 digits or
//     overflows (an integer must fit an int64; a length may be -1, a null,
//     and no other negative), rather than wrap it to a small or negative
//     number;
//   - a line that does not end in "\r\n", a bulk string not followed by
//     "\r\n", and a line that begins with no RESP2 type.
//
// A line is judged once it is whole, or sooner, as soon as no ending could
// make it legal (no type byte, or already longer than its type allows), so
// that the verdict does not depend on how the stream is cut. A refusal
// makes Read return an error wrapping messages.ErrProtocol, and the
// connection is closed like any other out of step. Replies before the
// refused one in the same stream are read as usual.
//
// # Replies nobody asked for
//
// A server that answers one command twice would have its second reply
// handed to the next request. The reader takes exactly one reply per
// command from its buffer, so bytes left in the buffer after a Read
// belong to no reply read so far. Conn implements backends.Buffered with
// their count, and a worker with nothing else in flight closes a
// connection that has any as out of step. Like any such check it sees
// only bytes that have arrived: a stray reply still on its way when the
// reply before it is read may yet be taken for the next request's.
package redis
