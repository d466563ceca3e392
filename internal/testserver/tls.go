package testserver

import (
	"os"
	"strconv"
	"testing"
)

// TLSFiles are the PEM files a server needs to serve TLS.
type TLSFiles struct {
	CertFile string // the server's certificate
	KeyFile  string // its private key
	CAFile   string // the CA that signs client certificates (redis needs one)
	// VerifyClients makes the server ask for a client certificate signed by
	// CAFile and refuse a client without one.
	VerifyClients bool
}

// RedisTLS starts a redis-server that speaks TLS only, on a free loopback
// port, with persistence off. The process is stopped when the test ends.
func RedisTLS(t testing.TB, files TLSFiles, extra ...string) *Server {
	auth := "no"
	if files.VerifyClients {
		auth = "yes"
	}
	return start(t, "redis-server", func(port int) []string {
		args := []string{"--bind", "127.0.0.1", "--port", "0",
			"--tls-port", strconv.Itoa(port),
			"--tls-cert-file", files.CertFile, "--tls-key-file", files.KeyFile,
			"--tls-ca-cert-file", files.CAFile, "--tls-auth-clients", auth,
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", t.TempDir()}
		return append(args, extra...)
	})
}

// MemcachedTLS starts a memcached that speaks TLS only (-Z), on a free
// loopback port. The process is stopped when the test ends.
func MemcachedTLS(t testing.TB, files TLSFiles, extra ...string) *Server {
	return start(t, "memcached", func(port int) []string {
		opts := "ssl_chain_cert=" + files.CertFile + ",ssl_key=" + files.KeyFile
		if files.VerifyClients {
			// 3: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT.
			opts += ",ssl_ca_cert=" + files.CAFile + ",ssl_verify_mode=3"
		}
		args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port),
			"-U", "0", "-m", "64", "-t", "1", "-Z", "-o", opts}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		return append(args, extra...)
	})
}
