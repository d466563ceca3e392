package main

import "testing"

// The quickstart's whole tour succeeds on embedded nodes; run checks its own
// figures (only the removed node's keys move) and fails if they are off.
func TestQuickstart(t *testing.T) {
	if err := run("redis", ""); err != nil {
		t.Fatal(err)
	}
}

func TestQuickstartRejectsUnknownBackend(t *testing.T) {
	if err := run("cassandra", ""); err == nil {
		t.Fatal("an unknown backend must be refused")
	}
}
