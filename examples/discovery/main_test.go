package main

import (
	"strings"
	"testing"

	"github.com/herd-go/herd/internal/testserver"
)

// The herd follows the file from two nodes to three.
func TestDiscoveryExampleFile(t *testing.T) {
	check(t, "")
}

// The same with etcd: a real etcd started for the test.
func TestDiscoveryExampleEtcd(t *testing.T) {
	check(t, testserver.Etcd(t).Endpoint())
}

func check(t *testing.T, etcd string) {
	t.Helper()
	var out strings.Builder
	if err := run(&out, etcd); err != nil {
		t.Fatalf("%v; output:\n%s", err, out.String())
	}
	for _, want := range []string{"following 2 nodes", "a third node joined", "30 keys over 3 nodes"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}
