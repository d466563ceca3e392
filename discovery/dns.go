package discovery

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/herd-go/herd/routing"
)

// DefaultDNSTimeout bounds one DNS exchange when DNSOptions.Timeout is zero.
const DefaultDNSTimeout = 2 * time.Second

// DNSOptions say what a DNSSource asks, and whom.
type DNSOptions struct {
	// Name is the name to look up, such as "cache.example.com" or, with
	// SRV, "_memcache._tcp.example.com". Required.
	Name string
	// SRV asks for SRV records: each target and port is a node, named by
	// the target. Otherwise Name's A and AAAA records are asked for and
	// each address, with Port, is a node.
	SRV bool
	// Port is the nodes' port when SRV is false. Required then.
	Port int
	// Server is the DNS server to ask, "host:port". Default: the first
	// nameserver in /etc/resolv.conf, port 53.
	Server string
	// Timeout bounds one exchange with the server. Default
	// DefaultDNSTimeout, 2 s.
	Timeout time.Duration
}

// DNSSource is a Discovery that asks a DNS server for the nodes.
//
// With A/AAAA records (the default), each address of Name is a node, and
// the address is its identity: a fleet behind one name, such as a headless
// Kubernetes service. With SRV, each record's target and port is a node
// whose identity is the target's name: the node keeps its place on the ring
// when its name moves to a new address, and herd (through Resolve) connects
// to wherever the name points now.
//
// Answers are kept for their TTL, the smallest of the records used: a
// query within it is answered from the cache, so herd's polls never make
// the source ask more often than the records allow. A change made at the
// DNS server is therefore followed within its TTL plus one poll interval.
type DNSSource struct {
	opts   DNSOptions
	client *dns.Client

	mu      sync.Mutex
	nodes   []routing.Node
	expires time.Time
	hosts   map[string]hostEntry // SRV targets' addresses, by lower-case name
}

// hostEntry is one name's addresses and when they expire.
type hostEntry struct {
	addrs   []string
	expires time.Time
}

// DNS returns a source that asks opts.Server about opts.Name. Its options
// are checked at the first query, whose error wraps ErrDNS.
func DNS(opts DNSOptions) *DNSSource {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultDNSTimeout
	}
	opts.Name = dns.Fqdn(opts.Name)
	return &DNSSource{opts: opts, client: &dns.Client{Timeout: opts.Timeout},
		hosts: map[string]hostEntry{}}
}

// Nodes answers from the cache while the last answer's TTL lasts, and asks
// the server otherwise.
func (d *DNSSource) Nodes(ctx context.Context) ([]routing.Node, error) {
	d.mu.Lock()
	if time.Now().Before(d.expires) {
		nodes := append([]routing.Node(nil), d.nodes...)
		d.mu.Unlock()
		return nodes, nil
	}
	d.mu.Unlock()

	nodes, ttl, err := d.query(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.nodes, d.expires = nodes, time.Now().Add(ttl)
	d.mu.Unlock()
	return append([]routing.Node(nil), nodes...), nil
}

// query asks for the nodes: SRV records, or A and AAAA records.
func (d *DNSSource) query(ctx context.Context) ([]routing.Node, time.Duration, error) {
	if err := d.check(); err != nil {
		return nil, 0, err
	}
	if d.opts.SRV {
		msg, err := d.exchange(ctx, d.opts.Name, dns.TypeSRV)
		if err != nil {
			return nil, 0, err
		}
		nodes, hosts, ttl := srvNodes(msg)
		d.remember(hosts)
		return nodes, ttl, nil
	}
	addrs, ttl, err := d.lookupHost(ctx, d.opts.Name)
	if err != nil {
		return nil, 0, err
	}
	nodes := make([]routing.Node, len(addrs))
	for i, a := range addrs {
		nodes[i] = routing.Node{Addr: net.JoinHostPort(a, strconv.Itoa(d.opts.Port)), Weight: 1}
	}
	return nodes, ttl, nil
}

func (d *DNSSource) check() error {
	switch {
	case d.opts.Name == ".":
		return fmt.Errorf("%w: no name to look up", ErrDNS)
	case !d.opts.SRV && (d.opts.Port < 1 || d.opts.Port > 65535):
		return fmt.Errorf("%w: port %d is out of range 1..65535", ErrDNS, d.opts.Port)
	}
	return nil
}

// lookupHost asks for name's A and AAAA records.
func (d *DNSSource) lookupHost(ctx context.Context, name string) ([]string, time.Duration, error) {
	var addrs []string
	var ttl time.Duration = -1
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		msg, err := d.exchange(ctx, name, qtype)
		if err != nil {
			return nil, 0, err
		}
		got, t := hostAddrs(msg)
		addrs = append(addrs, got...)
		if len(got) > 0 && (ttl < 0 || t < ttl) {
			ttl = t
		}
	}
	return addrs, max(ttl, 0), nil
}

// exchange sends one question, over UDP and again over TCP if the answer
// was truncated, and fails on any answer code but success.
func (d *DNSSource) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	server, err := d.server()
	if err != nil {
		return nil, err
	}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	msg, _, err := d.client.ExchangeContext(ctx, q, server)
	if err == nil && msg.Truncated {
		tcp := *d.client
		tcp.Net = "tcp"
		msg, _, err = tcp.ExchangeContext(ctx, q, server)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s at %s: %w", ErrDNS, dns.TypeToString[qtype], name, server, err)
	}
	if msg.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("%w: %s %s at %s: %s", ErrDNS, dns.TypeToString[qtype], name, server,
			dns.RcodeToString[msg.Rcode])
	}
	return msg, nil
}

func (d *DNSSource) server() (string, error) {
	if d.opts.Server != "" {
		return d.opts.Server, nil
	}
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(conf.Servers) == 0 {
		return "", fmt.Errorf("%w: no server given and none in /etc/resolv.conf", ErrDNS)
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// remember keeps addresses that came with an SRV answer.
func (d *DNSSource) remember(hosts map[string]hostEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, h := range hosts {
		d.hosts[name] = h
	}
}

// Resolve answers where to connect to the node addr. For an SRV target it
// is the target's address, asked of the source's server and kept for its
// TTL; an address that is already an IP, or any node of an A/AAAA source,
// is its own answer. Of several addresses, the first in sorted order is
// used, so that every herd picks the same one.
func (d *DNSSource) Resolve(ctx context.Context, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !d.opts.SRV || net.ParseIP(host) != nil {
		return addr, nil
	}
	name := dns.Fqdn(host)
	d.mu.Lock()
	h, ok := d.hosts[name]
	d.mu.Unlock()
	if !ok || !time.Now().Before(h.expires) {
		addrs, ttl, err := d.lookupHost(ctx, name)
		if err != nil {
			return "", err
		}
		h = hostEntry{addrs: sortedCopy(addrs), expires: time.Now().Add(ttl)}
		d.remember(map[string]hostEntry{name: h})
	}
	if len(h.addrs) == 0 {
		return "", fmt.Errorf("%w: %s has no address", ErrDNS, host)
	}
	return net.JoinHostPort(h.addrs[0], port), nil
}
