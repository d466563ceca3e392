package discovery_test

import (
	"context"
	"fmt"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/routing"
)

func ExampleClean() {
	answer := []routing.Node{
		{Addr: "Cache-2.lan:11211"},
		{Addr: " 10.0.0.1:11211 ", Weight: 2},
		{Addr: "cache-2.LAN:11211"},
		{Addr: "10.0.0.9"},
	}
	kept, rejected := discovery.Clean(answer)
	fmt.Println(kept)
	for _, r := range rejected {
		fmt.Println(r.Err)
	}
	// Output:
	// [{10.0.0.1:11211 2} {cache-2.lan:11211 1}]
	// herd: malformed node address "cache-2.LAN:11211": duplicate of "Cache-2.lan:11211"
	// herd: malformed node address "10.0.0.9": missing port in address
}

func ExampleManual() {
	m := discovery.NewManual("10.0.0.1:11211")
	m.Fail(fmt.Errorf("registry unreachable"))
	_, err := m.Nodes(context.Background())
	fmt.Println(err)

	m.Set("10.0.0.1:11211", "10.0.0.2:11211")
	nodes, _ := m.Nodes(context.Background())
	fmt.Println(nodes, m.Calls())
	// Output:
	// registry unreachable
	// [{10.0.0.1:11211 1} {10.0.0.2:11211 1}] 2
}
