// Package routing maps keys to nodes.
//
// A Router is built from a set of nodes and never changes afterwards; herd's
// cluster actor builds a new one on every membership change and publishes it
// in a snapshot that callers read without locks. HashRing, the default, is a
// consistent-hash ring: adding or removing a node moves only the keys that
// the change must move, and keys on nodes that stayed keep their node.
package routing
