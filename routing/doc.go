// Package routing maps keys to nodes.
//
// A Router is built from a set of nodes and never changes afterwards; herd's
// cluster actor builds a new one on every membership change and publishes it
// in a snapshot that callers read without locks. Every router here sorts its
// nodes by address and collapses duplicates first, so its mapping does not
// depend on the order discovery lists them in, and every lookup allocates
// nothing. There are four:
//
//   - HashRing, the default, is a consistent-hash ring: adding or removing a
//     node moves only the keys that the change must move, and keys on nodes
//     that stayed keep their node. It is built on github.com/serialx/hashring.
//     Each node gets PointsPerWeight points per unit of weight, placed by
//     hashing its address and the point's number with xxhash; a key goes to
//     the first point after its own hash. Once the serialx ring is built,
//     HashRing asks it who owns each point and keeps the answers as a sorted
//     array of positions, so a lookup is an xxhash of the key and a binary
//     search: no allocation, and, since the router is immutable, no lock.
//   - Ketama is the ring of libmemcached's weighted ketama and twemproxy's
//     ketama with md5, point for point, for fleets shared with those
//     clients.
//   - Rendezvous scores every node for each key and picks the highest: the
//     best balance and exactly minimal movement, weights included, at a cost
//     per lookup that grows with the number of nodes.
//   - Jump is jump consistent hashing over the nodes in address order: the
//     cheapest lookup and near-perfect balance, for fleets that only grow at
//     the end of that order.
//
// ByName finds a router's Builder by name; Name tells which router a
// Router is. Routers that can rank the nodes for a key implement
// Successors, which herd uses to fail over a down node's keys, and all four
// do.
package routing
