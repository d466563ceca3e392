// Package backends defines what herd needs of a protocol: a Backend that
// checks requests and dials nodes, and a Conn that writes requests and reads
// their replies in order. Each protocol lives in a subpackage (memcached,
// redis).
//
// A worker actor owns one Conn and pipelines it: it writes each request as
// its call arrives, flushes when its mailbox runs dry, and a reader
// goroutine of its own reads the replies in order, so one goroutine may
// Write and Flush while another Reads. The Conn decides,
// per error, whether it is still in step with the server: a protocol-level
// outcome (a miss, "NOT_STORED", a server error line that ends cleanly) comes
// back inside the reply and the connection lives on; anything else (an I/O
// error, a timeout mid-reply, a reply the parser did not expect) comes back
// as an error, and the worker closes the connection.
package backends
