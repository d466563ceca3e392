package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// parseNodes reads a node list: entries separated by commas, each
// host:port with an optional "=weight" (1 to routing.MaxWeight; 1 if left
// out). Addresses are normalised as discovery normalises them. A malformed
// or repeated address is an error wrapping messages.ErrMalformedAddress; a
// weight that is not a number in range wraps routing.ErrBadWeight. An empty
// list gives no nodes and no error.
func parseNodes(list string) ([]routing.Node, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var nodes []routing.Node
	seen := make(map[string]bool)
	for _, entry := range strings.Split(list, ",") {
		n, err := parseNode(entry)
		if err != nil {
			return nil, err
		}
		if seen[n.Addr] {
			return nil, fmt.Errorf("%w %q: listed twice", messages.ErrMalformedAddress, n.Addr)
		}
		seen[n.Addr] = true
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// parseNode reads one entry of a node list.
func parseNode(entry string) (routing.Node, error) {
	addr, weight, hasWeight := strings.Cut(entry, "=")
	norm, err := discovery.NormalizeAddr(addr)
	if err != nil {
		return routing.Node{}, err
	}
	n := routing.Node{Addr: norm, Weight: 1}
	if hasWeight {
		w, err := strconv.Atoi(strings.TrimSpace(weight))
		if err != nil || w < 1 || w > routing.MaxWeight {
			return routing.Node{}, fmt.Errorf("%w: %q in %q (want 1..%d)",
				routing.ErrBadWeight, weight, strings.TrimSpace(entry), routing.MaxWeight)
		}
		n.Weight = w
	}
	return n, nil
}

// formatNode writes a node back as parseNodes reads it.
func formatNode(n routing.Node) string {
	if n.Weight <= 1 {
		return n.Addr
	}
	return n.Addr + "=" + strconv.Itoa(n.Weight)
}
