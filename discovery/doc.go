// Package discovery tells herd which nodes make up the cluster.
//
// # The interface
//
// A Discovery has one method, Nodes, which answers the current members as
// routing.Node values: an address ("host:port") and a weight. herd's
// cluster actor asks it once at start, then every poll interval, and again
// whenever it receives a messages.Refresh. Each query runs outside the
// actor with a deadline in its context, so a slow source delays only the
// next change of membership, never a request.
//
// # Bad answers keep the last good set
//
// A query that returns an error, or that leaves no usable node, changes
// nothing: herd keeps routing to the last good set, logs the failure once
// and reports a messages.DiscoveryFailed event. A source that is briefly
// down or returns an empty list therefore never drains the cluster. At
// start there is no previous set to keep: until an answer with a usable
// node arrives, herd has nowhere to route and answers messages.ErrNoNodes.
//
// # Cleaning
//
// Sources return entries as they find them. Before using an answer, herd
// passes it through Clean, which trims and normalises each address (see
// NormalizeAddr), resolves weight 0 to 1, drops duplicates and sorts the
// result. Entries it cannot use come back as Rejected, each with an error
// wrapping messages.ErrMalformedAddress; herd logs each one when it first
// appears and uses the rest. So a source, Static included, need not
// validate anything itself.
//
// # Sources
//
// Static and StaticNodes answer a fixed list. File reads a JSON or YAML
// list (see ParseList) and watches it; DNS asks a DNS server for A/AAAA or
// SRV records and keeps each answer for its TTL; Etcd reads the keys under
// a prefix and watches them. Func adapts a function, for any other
// registry. Manual is a set that tests, or users who drive membership
// themselves, change at will; call Refresh on the herd after a change to
// have it picked up before the next poll.
//
// # Watching and resolving
//
// Two optional interfaces extend Discovery. A Watcher (File, Etcd) tells
// herd when to ask again, so changes arrive in milliseconds rather than at
// the next poll; polling goes on as the safety net. A Resolver (DNS with
// SRV) names its nodes by something other than the address to dial: the
// name is the node's identity on the ring, and herd asks Resolve where to
// connect, replacing a node's pool when its name moves.
package discovery
