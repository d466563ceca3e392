// Package messages holds every message that crosses an actor boundary in
// herd: the requests a user sends, the replies herd sends back, the call
// envelope that carries a request to a worker, and the events herd publishes
// on the actor system's event stream.
//
// # Requests and replies
//
// A request is a plain struct (Get, Set, Delete, Incr, Touch, GetMulti, Do).
// Any actor may send one to a herd's PID with ctx.Request; herd routes it to
// the node that owns its key and the sender gets exactly one reply: a *Reply
// whose Err is nil on success or one of the errors below (for GetMulti, the
// hits are in its Items and failed keys in its KeyErrors). The reply carries
// the request it answers, so an actor with many requests in flight can
// match them up. (Once the herd is stopped its PID is a stopped actor's, and
// protoactor answers a request to it with *actor.DeadLetterResponse.)
//
// # Calls
//
// Inside herd a request travels wrapped in a *Call, which holds its deadline
// and its reply path: a channel for the Go client, a PID for actors. An
// actor that wants a deadline other than Config.RequestTimeout may send the
// herd a *Call of its own: NewCall with a PIDReplier to itself, then
// ArmTimer, so that the call answers itself at its deadline whatever
// happens. A call is
// answered once; later answers are ignored, so a timer and a worker racing to
// answer cannot produce two replies.
//
// # Errors
//
// Every error herd returns is one of the sentinel values below, possibly
// wrapped with a cause or the node that produced it; test for them with
// errors.Is.
package messages
