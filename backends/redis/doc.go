// Package redis is herd's redis backend. It carries herd's requests to
// redis-server nodes over RESP, using redigo's connection-level API
// (Send, Flush, Receive) and none of redigo's pooling: herd's workers own
// the connections.
//
// # How a request travels
//
// Backend.Check holds every request to redis's rules before anything is
// sent: a key is 1 to MaxKeySize bytes (any bytes), a value at most
// MaxValueSize, a TTL not negative, and only the store modes redis has
// (set, add as SET NX, replace as SET XX, append as APPEND). A Conn checks
// again in Write, so a refused request never reaches the buffer.
//
// Write turns the request into one redis command (two for a Touch that
// removes the TTL: PERSIST, then EXISTS, since PERSIST alone cannot tell a
// missing key from one without a TTL) and hands it to redigo's Send, which
// encodes it into a buffer. Flush writes the buffer to the socket. Read calls
// redigo's Receive once per command, which parses one RESP reply, and then
// herd decides what the reply means for the request: nil from GET is
// ErrMiss, nil from SET NX/XX is ErrNotStored, 0 from DEL or PEXPIRE is
// ErrMiss, an INCRBY result goes to Reply.Int, MGET hits go to
// Reply.Items, and a Do's raw reply goes to Reply.Result. Because writing
// and reading are separate, a worker can write several requests, flush
// once and read their replies in order.
//
// # Deadlines
//
// herd sets deadlines, not redigo. Each connection is a net.Conn herd
// dials itself with the Dial context; redigo gets it with zero timeouts and
// through a thin wrapper whose SetReadDeadline does nothing, because even
// with a zero timeout redigo clears the read deadline before each Receive.
// Conn.SetDeadline sets the deadline on the socket itself. AUTH and SELECT
// run during Dial, bounded by the Dial context.
//
// # Errors and the life of a connection
//
// A redis error reply ("-ERR ...", "-WRONGTYPE ...") ends cleanly, so the
// connection stays in step: Read returns it in Reply.Err, wrapping
// messages.ErrServer with redis's text, and a nil error. So do misses and
// conditions that did not hold. Everything else makes Read (or Write, or
// Flush) return an error, and the worker closes the connection:
//
//   - messages.ErrTimeout when a deadline passed;
//   - messages.ErrConnection when the socket failed or the server closed it,
//     even mid-reply;
//   - messages.ErrProtocol when the bytes were not RESP (redigo's parser
//     or the reply guard refused them) or the reply was of a type the
//     command never answers, such as an array for GET.
//
// redigo's parse errors have an unexported type, so herd tells them apart
// by elimination: the socket wrapper marks every error the socket returns,
// and an error from Receive that is neither marked nor a redis error reply
// came from the parser or the guard.
//
// # The reply guard
//
// redigo trusts the lengths a server announces: "$n" makes it allocate n
// bytes and "*n" a slice of n elements before a byte of either arrives,
// and it parses nested arrays by recursion. A garbage or hostile reply
// such as "$99999999999" would make the process allocate 100 GB and die,
// which no error can report. So every byte read passes a guard on its way
// from the socket to redigo. The guard follows RESP2 framing with a small
// state machine, allocating nothing: it reads each line's type byte and any
// length or integer in it, and passes bulk string payloads through without
// looking at them, so payload bytes that look like headers cannot fool it.
// It keeps one budget per connection of MaxValueSize plus 1 MiB (the margin
// admits replies a little larger than any value, such as DUMP's or INFO's):
// the bulk string bytes and the array slots, at 16 bytes a slot, announced
// and not yet received may not together exceed it, so that an array and a
// bulk string inside it cannot add up to twice the bound. This is why
// DefaultMaxValueSize is 32 MiB rather than redis's 512 MiB. It refuses,
// before redigo sees the line whole:
//
//   - a bulk string longer than what the budget has left beside the array
//     slots still open;
//   - arrays announcing more elements, summed over all arrays still open,
//     than 1 << 20 (whatever MaxValueSize is) or than the budget holds;
//   - arrays nested over 64 deep, and simple or error lines over 64 KiB;
//   - a length or integer that is malformed or overflows, rather than let
//     redigo wrap it to a small or negative number.
//
// A refusal makes Read return an error wrapping messages.ErrProtocol, and
// the connection is closed like any other out of step. Replies before the
// refused one in the same stream are read as usual.
//
// A wrong password fails Dial with an error wrapping messages.ErrConnection
// and redis's reply; the password itself appears in no error and in no
// String output.
//
// # Replies nobody asked for
//
// A server that answers one command twice would have its second reply
// handed to the next request. redigo reads ahead into a buffer of its own,
// so herd cannot look there; but the guard has seen every byte of it.
// It counts the top-level replies it let through and the bytes of any it
// is partway through, and the connection counts the replies redigo's
// Receive returned. Conn implements backends.Buffered from the two: more
// replies let through than received, or a reply partly let through, means
// bytes are waiting that no request has read, and a worker with nothing
// else in flight closes the connection as out of step. Like any such
// check it sees only bytes that have arrived: a stray reply still on its
// way when the reply before it is read may yet be taken for the next
// request's.
package redis
