package discovery

import (
	"net"

	"github.com/miekg/dns"
)

// ReadAnswerForTest unpacks wire as a DNS message and reads it as the
// source reads an answer: SRV records (with their extra addresses) when
// srv is set, A and AAAA records otherwise.
func ReadAnswerForTest(wire []byte, srv bool) {
	m := new(dns.Msg)
	if m.Unpack(wire) != nil {
		return
	}
	if srv {
		nodes, hosts, _ := srvNodes(m)
		Clean(nodes)
		for _, h := range hosts {
			for _, a := range h.addrs {
				if net.ParseIP(a) == nil {
					panic("an extra address is not an address: " + a)
				}
			}
		}
		return
	}
	addrs, _ := hostAddrs(m)
	for _, a := range addrs {
		if len(a) == 0 {
			panic("empty address")
		}
	}
}
