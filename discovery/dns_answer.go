package discovery

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/herd-go/herd/routing"
)

// srvNodes reads an SRV answer: a node per record, named target:port, and
// the addresses the server sent along for the targets. The TTL is the
// smallest of the SRV records'. Priority and weight are not used: every
// node has weight 1.
func srvNodes(msg *dns.Msg) ([]routing.Node, map[string]hostEntry, time.Duration) {
	var nodes []routing.Node
	var ttl time.Duration = -1
	for _, rr := range msg.Answer {
		srv, ok := rr.(*dns.SRV)
		if !ok || srv.Target == "." || srv.Port == 0 {
			continue // "." says the service is not offered here
		}
		host := strings.TrimSuffix(srv.Target, ".")
		nodes = append(nodes, routing.Node{
			Addr: net.JoinHostPort(host, strconv.Itoa(int(srv.Port))), Weight: 1})
		ttl = minTTL(ttl, srv.Hdr.Ttl)
	}
	return nodes, extraHosts(msg.Extra), max(ttl, 0)
}

// extraHosts collects the A and AAAA records of an answer's additional
// section by owner name.
func extraHosts(extra []dns.RR) map[string]hostEntry {
	hosts := map[string]hostEntry{}
	ttls := map[string]time.Duration{}
	for _, rr := range extra {
		ip := rrIP(rr)
		if ip == "" {
			continue
		}
		name := strings.ToLower(rr.Header().Name)
		h := hosts[name]
		h.addrs = append(h.addrs, ip)
		hosts[name] = h
		t, seen := ttls[name]
		if !seen {
			t = -1
		}
		ttls[name] = minTTL(t, rr.Header().Ttl)
	}
	now := time.Now()
	for name, h := range hosts {
		slices.Sort(h.addrs)
		h.expires = now.Add(ttls[name])
		hosts[name] = h
	}
	return hosts
}

// hostAddrs reads the addresses of an A or AAAA answer and their smallest
// TTL. The records may follow a CNAME chain; the server has checked it.
func hostAddrs(msg *dns.Msg) ([]string, time.Duration) {
	var addrs []string
	var ttl time.Duration = -1
	for _, rr := range msg.Answer {
		if ip := rrIP(rr); ip != "" {
			addrs = append(addrs, ip)
			ttl = minTTL(ttl, rr.Header().Ttl)
		}
	}
	return addrs, max(ttl, 0)
}

// rrIP is the address of an A or AAAA record, or "".
func rrIP(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.A:
		if ip := r.A.To4(); ip != nil {
			return ip.String()
		}
	case *dns.AAAA:
		if len(r.AAAA) == net.IPv6len {
			return r.AAAA.String()
		}
	}
	return ""
}

// minTTL folds a record's TTL, in seconds, into the smallest so far; a
// negative smallest means none yet.
func minTTL(cur time.Duration, secs uint32) time.Duration {
	t := time.Duration(secs) * time.Second
	if cur < 0 || t < cur {
		return t
	}
	return cur
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
