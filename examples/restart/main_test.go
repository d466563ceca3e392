package main

import (
	"strings"
	"testing"
)

// The user's strategy handles each crash, with a doubling delay, and the
// node serves after every restart.
func TestRestartExample(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"restart 1 in 10ms", "restart 2 in 20ms", "restart 3 in 40ms",
		"after restart 3 the node serves"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}
