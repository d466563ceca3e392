package backends

import (
	"crypto/tls"
	"testing"
)

func TestClientTLSServerName(t *testing.T) {
	for _, tc := range []struct{ set, addr, want string }{
		{"", "10.0.0.1:6379", "10.0.0.1"},
		{"", "[::1]:11211", "::1"},
		{"", "cache-1.example.com:11211", "cache-1.example.com"},
		{"cache.internal", "10.0.0.1:6379", "cache.internal"},
	} {
		cfg := &tls.Config{ServerName: tc.set}
		got := ClientTLS(cfg, tc.addr)
		if got.ServerName != tc.want {
			t.Errorf("ServerName for %q (set %q) = %q, want %q", tc.addr, tc.set,
				got.ServerName, tc.want)
		}
		if cfg.ServerName != tc.set || got == cfg {
			t.Errorf("ClientTLS changed the caller's config")
		}
	}
}
