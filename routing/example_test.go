package routing_test

import (
	"fmt"

	"github.com/herd-go/herd/routing"
)

func ExampleNewHashRing() {
	ring, err := routing.NewHashRing([]routing.Node{
		{Addr: "10.0.0.2:11211"},
		{Addr: "10.0.0.1:11211", Weight: 2},
		{Addr: "10.0.0.3:11211"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ring.Nodes())

	groups, _ := ring.Group([]string{"user:1", "user:2", "user:3", "user:4", "user:5", "user:6"})
	for _, n := range ring.Nodes() {
		fmt.Println(n.Addr, groups[n.Addr])
	}

	empty, _ := routing.NewHashRing(nil)
	_, err = empty.Lookup("user:1")
	fmt.Println(err)
	// Output:
	// [{10.0.0.1:11211 2} {10.0.0.2:11211 1} {10.0.0.3:11211 1}]
	// 10.0.0.1:11211 [user:1 user:2 user:3]
	// 10.0.0.2:11211 [user:5 user:6]
	// 10.0.0.3:11211 [user:4]
	// herd: no nodes
}
