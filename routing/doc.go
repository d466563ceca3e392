// Package routing maps keys to nodes.
//
// A Router is built from a set of nodes and never changes afterwards; herd's
// cluster actor builds a new one on every membership change and publishes it
// in a snapshot that callers read without locks. HashRing, the default, is a
// consistent-hash ring: adding or removing a node moves only the keys that
// the change must move, and keys on nodes that stayed keep their node.
//
// HashRing is built on github.com/serialx/hashring. Each node gets
// PointsPerWeight points per unit of weight, placed by hashing its address
// and the point's number with xxhash; a key goes to the first point after
// its own hash. Once the serialx ring is built, HashRing asks it who owns
// each point and keeps the answers as a sorted array of positions, so a
// lookup is an xxhash of the key and a binary search: no allocation, and,
// since the router is immutable, no lock.
package routing
