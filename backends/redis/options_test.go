package redis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/herd-go/herd/internal/testcert"
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
// A client certificate's private key, in TLS, is not printed either.
func TestNoPasswordInStrings(t *testing.T) {
	ca := testcert.NewCA(t, "redis")
	client := ca.Client(t)
	opts := Options{Username: "alice", Password: "s3cret", TLS: ca.ClientConfig(client)}
	b := New(opts)
	secrets := append(client.Secrets(), "s3cret", "PrivateKey")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{opts, &opts, b, *b} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range secrets {
				if strings.Contains(s, secret) {
					t.Errorf("%s of %T = %q holds a secret (%q)", verb, v, s, secret)
				}
			}
		}
	}
	if s := opts.String(); !strings.Contains(s, "Password: set, TLS: on") {
		t.Errorf("String() = %q, want the password as set and TLS on", s)
	}
}
