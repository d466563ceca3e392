package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/herd-go/herd/routing"
)

// errNotMember: -remove names a node that is not in -nodes.
var errNotMember = errors.New("not one of the nodes")

// plan prints what adding and removing nodes would move.
func plan(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plan", stderr)
	list := fs.String("nodes", "", "the nodes now: host:port[=weight],...")
	name := fs.String("router", routing.RouterHashRing, "the router")
	add := fs.String("add", "", "nodes to add, or to give a new weight")
	remove := fs.String("remove", "", "nodes to remove")
	sample := fs.Int("keys", 100_000, "how many sample keys to route")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *sample < 1 {
		return usagef("plan takes no arguments, and -keys at least 1")
	}
	before, err := parseNodes(*list)
	if err != nil {
		return err
	}
	after, err := change(before, *add, *remove)
	if err != nil {
		return err
	}
	if len(before) == 0 || len(after) == 0 {
		return usagef("-nodes is required, and the change must leave a node")
	}
	build, err := routing.ByName(*name)
	if err != nil {
		return usageError{err}
	}
	p, err := measure(build, before, after, *sample)
	if err != nil {
		return err
	}
	p.router = *name
	return p.print(stdout)
}

// change applies -add and -remove to nodes.
func change(nodes []routing.Node, add, remove string) ([]routing.Node, error) {
	added, err := parseNodes(add)
	if err != nil {
		return nil, err
	}
	removed, err := parseNodes(remove)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(nodes)
	for _, r := range removed {
		i := slices.IndexFunc(out, func(n routing.Node) bool { return n.Addr == r.Addr })
		if i < 0 {
			return nil, fmt.Errorf("-remove %s: %w", r.Addr, errNotMember)
		}
		out = slices.Delete(out, i, i+1)
	}
	for _, a := range added {
		i := slices.IndexFunc(out, func(n routing.Node) bool { return n.Addr == a.Addr })
		if i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	return out, nil
}

// planned is what a change does to a sample of keys.
type planned struct {
	router   string
	keys     int
	moved    int            // keys whose owner changes
	before   map[string]int // keys per node before
	after    map[string]int // keys per node after
	inBefore map[string]bool
	inAfter  map[string]bool
	addrs    []string // every node, before or after, sorted
	ideal    float64  // the share a perfectly fair router moves
}

// measure routes keys 0 to sample-1 over before and after.
func measure(build routing.Builder, before, after []routing.Node, sample int) (*planned, error) {
	rb, err := build(before)
	if err != nil {
		return nil, err
	}
	ra, err := build(after)
	if err != nil {
		return nil, err
	}
	p := &planned{keys: sample, before: map[string]int{}, after: map[string]int{}}
	for i := range sample {
		key := "key:" + strconv.Itoa(i)
		b, _ := rb.Lookup(key)
		a, _ := ra.Lookup(key)
		p.before[b.Addr]++
		p.after[a.Addr]++
		if a.Addr != b.Addr {
			p.moved++
		}
	}

	// A router whose shares matched the weights exactly, and which moved
	// nothing it need not, would move what the shrinking nodes give up:
	// the sum of the drops in their weight shares.
	wb, wa := shares(rb.Nodes()), shares(ra.Nodes())
	for addr, s := range wb {
		p.ideal += max(0, s-wa[addr])
	}
	p.inBefore, p.inAfter = members(rb.Nodes()), members(ra.Nodes())
	for addr := range p.inBefore {
		p.addrs = append(p.addrs, addr)
	}
	for addr := range p.inAfter {
		if !p.inBefore[addr] {
			p.addrs = append(p.addrs, addr)
		}
	}
	slices.Sort(p.addrs)
	return p, nil
}

// members returns the addresses of nodes as a set.
func members(nodes []routing.Node) map[string]bool {
	out := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		out[n.Addr] = true
	}
	return out
}

// shares returns each node's share of the total weight.
func shares(nodes []routing.Node) map[string]float64 {
	total := 0
	for _, n := range nodes {
		total += n.Weight
	}
	out := make(map[string]float64, len(nodes))
	for _, n := range nodes {
		out[n.Addr] = float64(n.Weight) / float64(total)
	}
	return out
}

// print writes the plan: a header, the moved share, and a table of each
// node's share before and after ("-" where it is not a member).
func (p *planned) print(w io.Writer) error {
	out := bufio.NewWriter(w)
	fmt.Fprintf(out, "router %s, %d sample keys\n", p.router, p.keys)
	fmt.Fprintf(out, "moved: %s of keys (ideal %s)\n",
		percent(float64(p.moved)/float64(p.keys)), percent(p.ideal))
	width := len("node")
	for _, a := range p.addrs {
		width = max(width, len(a))
	}
	fmt.Fprintf(out, "%-*s  %8s  %8s\n", width, "node", "before", "after")
	for _, a := range p.addrs {
		fmt.Fprintf(out, "%-*s  %8s  %8s\n", width, a,
			p.share(p.before, p.inBefore, a), p.share(p.after, p.inAfter, a))
	}
	return out.Flush()
}

// share formats a node's share of keys in counts, or "-" if it is not in
// members.
func (p *planned) share(counts map[string]int, members map[string]bool, addr string) string {
	if !members[addr] {
		return "-"
	}
	return percent(float64(counts[addr]) / float64(p.keys))
}

// percent formats a fraction as a percentage with two decimals.
func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }
