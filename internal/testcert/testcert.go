// Package testcert makes the certificates herd's TLS tests need: a
// certificate authority generated in the test, a server certificate for
// 127.0.0.1 and localhost signed by it, and a client certificate for
// servers that ask for one. Nothing is read from or written to the system's
// trust store; the files it writes live in the test's temporary directory.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CA is a certificate authority made for one test.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// CertFile is the CA certificate in PEM, for a server's
	// --tls-ca-cert-file.
	CertFile string
	// Pool holds the CA certificate alone, for tls.Config.RootCAs.
	Pool *x509.CertPool

	dir string
}

// Pair is a certificate and its private key, signed by a CA, in memory and
// in PEM files.
type Pair struct {
	TLS      tls.Certificate
	CertFile string
	KeyFile  string
	// KeyPEM is the private key as written to KeyFile, so that tests can
	// look for it where it must never appear.
	KeyPEM []byte

	key *ecdsa.PrivateKey
}

// Secrets returns strings that would give the private key away wherever
// they appeared: a line of its PEM body, and its scalar in decimal and in
// hex, as fmt prints a *big.Int.
func (p *Pair) Secrets() []string {
	body := strings.Split(strings.TrimSpace(string(p.KeyPEM)), "\n")[1]
	return []string{body, p.key.D.String(), p.key.D.Text(16)}
}

// NewCA makes a certificate authority valid for an hour and writes its
// certificate into the test's temporary directory.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	ca := &CA{Cert: cert, Key: key, Pool: x509.NewCertPool(), dir: t.TempDir()}
	ca.Pool.AddCert(cert)
	ca.CertFile = ca.write(t, name+"-ca.pem", pemBlock("CERTIFICATE", der))
	return ca
}

// Server signs a server certificate for 127.0.0.1, ::1 and localhost.
func (ca *CA) Server(t testing.TB) *Pair {
	t.Helper()
	return ca.sign(t, "server", x509.ExtKeyUsageServerAuth,
		[]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback})
}

// ServerFor signs a server certificate for the DNS names given only.
func (ca *CA) ServerFor(t testing.TB, names ...string) *Pair {
	t.Helper()
	return ca.sign(t, "server-"+names[0], x509.ExtKeyUsageServerAuth, names, nil)
}

// Client signs a client certificate, for servers that verify their
// clients.
func (ca *CA) Client(t testing.TB) *Pair {
	t.Helper()
	return ca.sign(t, "client", x509.ExtKeyUsageClientAuth, nil, nil)
}

// ClientConfig is a client tls.Config that trusts ca alone, and presents
// the client certificates given.
func (ca *CA) ClientConfig(certs ...*Pair) *tls.Config {
	cfg := &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
	for _, p := range certs {
		cfg.Certificates = append(cfg.Certificates, p.TLS)
	}
	return cfg
}

func (ca *CA) sign(t testing.TB, name string, usage x509.ExtKeyUsage,
	dns []string, ips []net.IP) *Pair {
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "herd test " + name},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	certPEM, keyPEM := pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return &Pair{
		TLS:      pair,
		CertFile: ca.write(t, name+".pem", certPEM),
		KeyFile:  ca.write(t, name+"-key.pem", keyPEM),
		KeyPEM:   keyPEM,
		key:      key,
	}
}

func (ca *CA) write(t testing.TB, name string, data []byte) string {
	path := filepath.Join(ca.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return path
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return n
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
