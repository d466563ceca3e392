package testserver

import (
	"fmt"
	"net"
	"strconv"
	"testing"
)

// Etcd starts a single-member etcd on free loopback ports, keeping its
// data in a temporary directory so that Restart brings back the same keys
// and revisions. Endpoint gives the client URL. The process is stopped
// when the test ends.
func Etcd(t testing.TB) *Server {
	dir := t.TempDir()
	return start(t, "etcd", func(port int) []string {
		peer, err := FreePort()
		if err != nil {
			t.Fatalf("testserver: no free port: %v", err)
		}
		client := "http://127.0.0.1:" + strconv.Itoa(port)
		peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
		return []string{
			"--name", "herd-test", "--data-dir", dir,
			"--listen-client-urls", client, "--advertise-client-urls", client,
			"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
			"--initial-cluster", "herd-test=" + peerURL,
			"--log-level", "error", "--logger", "zap",
		}
	})
}

// Endpoint is the URL of an etcd server's client port.
func (s *Server) Endpoint() string {
	host, port, _ := net.SplitHostPort(s.Addr)
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, port))
}
