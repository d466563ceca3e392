package discovery_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/dnstest"
	"github.com/herd-go/herd/routing"
)

func ask(t *testing.T, d discovery.Discovery) ([]routing.Node, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	nodes, err := d.Nodes(ctx)
	slices.SortFunc(nodes, func(a, b routing.Node) int { return compare(a.Addr, b.Addr) })
	return nodes, err
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func addrs(nodes []routing.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Addr
	}
	return out
}

func TestDNSAddresses(t *testing.T) {
	srv := dnstest.Start(t)
	srv.Set("cache.test. 60 IN A 127.0.0.2", "cache.test. 60 IN A 127.0.0.1",
		"cache.test. 60 IN AAAA ::1")
	d := discovery.DNS(discovery.DNSOptions{Name: "Cache.Test", Port: 11211, Server: srv.Addr})
	nodes, err := ask(t, d)
	want := []string{"127.0.0.1:11211", "127.0.0.2:11211", "[::1]:11211"}
	if err != nil || !slices.Equal(addrs(nodes), want) {
		t.Fatalf("answered %v, %v; want %v", nodes, err, want)
	}
}

// TestDNSHonoursTTL: within the records' TTL the source answers from its
// cache and sends nothing; after it, it asks again and sees the change.
func TestDNSHonoursTTL(t *testing.T) {
	srv := dnstest.Start(t)
	srv.Set("cache.test. 1 IN A 127.0.0.1")
	d := discovery.DNS(discovery.DNSOptions{Name: "cache.test", Port: 1, Server: srv.Addr})
	if _, err := ask(t, d); err != nil {
		t.Fatal(err)
	}
	asked := srv.Queries()
	srv.Set("cache.test. 1 IN A 127.0.0.9")
	for range 20 {
		nodes, _ := ask(t, d)
		if len(nodes) != 1 || nodes[0].Addr != "127.0.0.1:1" {
			t.Fatalf("within the TTL answered %v", nodes)
		}
	}
	if srv.Queries() != asked {
		t.Fatalf("%d queries within the TTL, want none", srv.Queries()-asked)
	}

	deadline := time.Now().Add(3 * time.Second)
	for {
		nodes, err := ask(t, d)
		if err == nil && len(nodes) == 1 && nodes[0].Addr == "127.0.0.9:1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the change was not seen after the TTL: %v, %v", nodes, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDNSFailures(t *testing.T) {
	srv := dnstest.Start(t)
	srv.Set("cache.test. 0 IN A 127.0.0.1")
	d := discovery.DNS(discovery.DNSOptions{Name: "cache.test", Port: 1, Server: srv.Addr})
	if _, err := ask(t, d); err != nil {
		t.Fatal(err)
	}
	srv.Fail(true)
	if _, err := ask(t, d); !errors.Is(err, discovery.ErrDNS) {
		t.Errorf("SERVFAIL: %v, want ErrDNS", err)
	}
	srv.Fail(false)
	srv.Remove("cache.test")
	if _, err := ask(t, d); !errors.Is(err, discovery.ErrDNS) {
		t.Errorf("NXDOMAIN: %v, want ErrDNS", err)
	}
	for _, opts := range []discovery.DNSOptions{
		{Name: "cache.test", Server: srv.Addr}, // no port
		{Port: 1, Server: srv.Addr},            // no name
		{Name: "cache.test", Port: 70000, Server: srv.Addr},
	} {
		if _, err := ask(t, discovery.DNS(opts)); !errors.Is(err, discovery.ErrDNS) {
			t.Errorf("%+v: %v, want ErrDNS", opts, err)
		}
	}
}

func TestDNSServerDown(t *testing.T) {
	srv := dnstest.Start(t)
	srv.Close()
	d := discovery.DNS(discovery.DNSOptions{Name: "cache.test", Port: 1, Server: srv.Addr,
		Timeout: 200 * time.Millisecond})
	if _, err := ask(t, d); !errors.Is(err, discovery.ErrDNS) {
		t.Errorf("server down: %v, want ErrDNS", err)
	}
}

// TestDNSSRV: SRV targets are the nodes, named; Resolve follows a target's
// address when it moves.
func TestDNSSRV(t *testing.T) {
	srv := dnstest.Start(t)
	srv.Set("_cache._tcp.test. 1 IN SRV 0 0 11211 node-b.test.",
		"_cache._tcp.test. 1 IN SRV 0 0 11212 Node-A.test.",
		"_cache._tcp.test. 1 IN SRV 0 0 0 ignored.test.",
		"node-a.test. 1 IN A 127.0.0.1", "node-b.test. 1 IN A 127.0.0.2")
	d := discovery.DNS(discovery.DNSOptions{Name: "_cache._tcp.test", SRV: true, Server: srv.Addr})
	nodes, err := ask(t, d)
	want := []string{"Node-A.test:11212", "node-b.test:11211"}
	if err != nil || !slices.Equal(addrs(nodes), want) {
		t.Fatalf("answered %v, %v; want %v", nodes, err, want)
	}

	ctx := context.Background()
	if to, err := d.Resolve(ctx, "node-a.test:11212"); err != nil || to != "127.0.0.1:11212" {
		t.Fatalf("Resolve = %q, %v", to, err)
	}
	srv.Set("node-a.test. 1 IN A 127.0.0.3")
	deadline := time.Now().Add(3 * time.Second)
	for {
		to, err := d.Resolve(ctx, "node-a.test:11212")
		if err == nil && to == "127.0.0.3:11212" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the move was not followed: %q, %v", to, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if to, err := d.Resolve(ctx, "127.0.0.7:1"); err != nil || to != "127.0.0.7:1" {
		t.Errorf("an IP resolves to itself: %q, %v", to, err)
	}
	if _, err := d.Resolve(ctx, "gone.test:1"); !errors.Is(err, discovery.ErrDNS) {
		t.Errorf("unknown target: %v, want ErrDNS", err)
	}
}

// FuzzDNSAnswer feeds arbitrary wire-format DNS messages to the code that
// reads answers: whatever a server sends, it gives nodes and addresses
// herd can check, and never panics.
func FuzzDNSAnswer(f *testing.F) {
	for _, s := range []string{"_c._tcp.test. 5 IN SRV 0 0 1 a.test.", "c.test. 5 IN A 127.0.0.1"} {
		m := new(dns.Msg)
		rr, _ := dns.NewRR(s)
		m.Answer = append(m.Answer, rr)
		m.Extra = append(m.Extra, rr)
		b, _ := m.Pack()
		f.Add(b, true)
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, wire []byte, srv bool) {
		discovery.ReadAnswerForTest(wire, srv)
	})
}
