package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// FuzzParseNodes: any text either parses into distinct, normalised nodes
// with weights in range, which read back the same when written out, or
// fails with one of the two documented errors.
func FuzzParseNodes(f *testing.F) {
	for _, s := range []string{"10.0.0.1:11211", "a:1=2,b:2", "[::1]:6379=100", "a:1,,b:1",
		"a:1=", "=3", "host:0", " x.y:80 =7 ", "a:1,A:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		nodes, err := parseNodes(list)
		if err != nil {
			if !errors.Is(err, messages.ErrMalformedAddress) && !errors.Is(err, routing.ErrBadWeight) {
				t.Fatalf("parseNodes(%q): untyped error %v", list, err)
			}
			return
		}
		seen := map[string]bool{}
		var back []string
		for _, n := range nodes {
			if norm, err := discovery.NormalizeAddr(n.Addr); err != nil || norm != n.Addr {
				t.Fatalf("%q gave address %q, not normalised", list, n.Addr)
			}
			if n.Weight < 1 || n.Weight > routing.MaxWeight || seen[n.Addr] {
				t.Fatalf("%q gave %v", list, n)
			}
			seen[n.Addr] = true
			back = append(back, formatNode(n))
		}
		again, err := parseNodes(strings.Join(back, ","))
		if err != nil || len(again) != len(nodes) {
			t.Fatalf("%q read back as %v, %v", strings.Join(back, ","), again, err)
		}
		for i := range again {
			if again[i] != nodes[i] {
				t.Fatalf("%v read back as %v", nodes, again)
			}
		}
	})
}
