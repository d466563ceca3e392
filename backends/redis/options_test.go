package redis

import (
	"fmt"
	"strings"
	"testing"
)

func TestDefaults(t *testing.T) {
	got := New(Options{}).opts
	want := Options{MaxKeySize: DefaultMaxKeySize, MaxValueSize: DefaultMaxValueSize}
	if got != want {
		t.Fatalf("defaults = %v, want %v", got, want)
	}
	set := Options{DB: 1, MaxKeySize: 10, MaxValueSize: 20}
	if got := New(set).opts; got != set {
		t.Fatalf("explicit options = %v, want %v", got, set)
	}
	if name := New(Options{}).Name(); name != "redis" {
		t.Fatalf("Name() = %q", name)
	}
}

// TestNoPasswordInStrings formats the options and the backend every way fmt
// can, and finds the password in none of them.
func TestNoPasswordInStrings(t *testing.T) {
	opts := Options{Username: "alice", Password: "s3cret"}
	b := New(opts)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{opts, &opts, b, *b} {
			s := fmt.Sprintf(verb, v)
			if strings.Contains(s, "s3cret") {
				t.Errorf("%s of %T = %q holds the password", verb, v, s)
			}
		}
	}
}
