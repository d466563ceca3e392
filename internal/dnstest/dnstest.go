// Package dnstest runs a real DNS server on a free 127.0.0.1 UDP and TCP
// port, answering from records that a test changes at will, so that herd's
// DNS discovery is tested against the wire protocol rather than a stub.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// Server is one DNS server. It answers authoritatively for any name it
// has records for, NXDOMAIN for others, and SERVFAIL while failing.
type Server struct {
	Addr string // 127.0.0.1:port, for UDP and TCP

	mu      sync.Mutex
	records map[string][]dns.RR // by lower-case owner name
	failing bool
	queries atomic.Int64

	udp, tcp *dns.Server
}

// Start starts a server; it is shut down when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{records: map[string][]dns.RR{}}
	for attempt := 0; ; attempt++ {
		err := s.listen()
		if err == nil {
			break
		}
		if attempt == 4 {
			t.Fatalf("dnstest: cannot listen: %v", err)
		}
	}
	t.Cleanup(s.Close)
	return s
}

// listen binds UDP and TCP on the same free port.
func (s *Server) listen() error {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return err
	}
	s.Addr = pc.LocalAddr().String()
	s.udp = &dns.Server{PacketConn: pc, Handler: s}
	s.tcp = &dns.Server{Listener: l, Handler: s}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	<-started
	<-started
	return nil
}

// Close shuts the server down.
func (s *Server) Close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}

// Set replaces the records of every owner named in rrs, given in zone-file
// form ("cache.test. 5 IN A 127.0.0.1"). It panics on a malformed record.
func (s *Server) Set(rrs ...string) {
	byName := map[string][]dns.RR{}
	for _, text := range rrs {
		rr, err := dns.NewRR(text)
		if err != nil {
			panic(err)
		}
		name := strings.ToLower(rr.Header().Name)
		byName[name] = append(byName[name], rr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, list := range byName {
		s.records[name] = list
	}
}

// Remove drops every record of name.
func (s *Server) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, strings.ToLower(dns.Fqdn(name)))
}

// Fail makes the server answer SERVFAIL (true) or answer again (false).
func (s *Server) Fail(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = on
}

// Queries reports how many questions the server has been asked.
func (s *Server) Queries() int64 { return s.queries.Load() }

// ServeDNS answers one question from the records.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	s.mu.Lock()
	if s.failing || len(req.Question) != 1 {
		m.Rcode = dns.RcodeServerFailure
	} else {
		s.answer(m, req.Question[0])
	}
	s.mu.Unlock()
	_ = w.WriteMsg(m)
}

// answer fills m for q; SRV answers carry their targets' addresses.
func (s *Server) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	list, ok := s.records[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		return
	}
	for _, rr := range list {
		if rr.Header().Rrtype != q.Qtype {
			continue
		}
		m.Answer = append(m.Answer, dns.Copy(rr))
		if srv, ok := rr.(*dns.SRV); ok {
			for _, extra := range s.records[strings.ToLower(srv.Target)] {
				m.Extra = append(m.Extra, dns.Copy(extra))
			}
		}
	}
}
