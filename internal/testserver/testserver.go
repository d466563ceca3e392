// Package testserver starts real memcached, redis-server, nutcracker
// (twemproxy) and etcd processes on free 127.0.0.1 ports for herd's tests,
// and stops them.
//
// A test that needs a server whose binary is missing fails under CI=true
// (where `make test` has installed the servers) and skips elsewhere, with a
// message that says how to install it.
package testserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one running server process.
type Server struct {
	Kind string // "memcached", "redis-server", "nutcracker" or "etcd"
	Addr string // 127.0.0.1:port

	t    testing.TB
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Memcached starts a memcached on a free loopback port. The process is
// stopped when the test ends.
func Memcached(t testing.TB, extra ...string) *Server {
	return start(t, "memcached", func(port int) []string {
		args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port),
			"-U", "0", "-m", "64", "-t", "1"}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		return append(args, extra...)
	})
}

// Redis starts a redis-server on a free loopback port, with persistence off.
// The process is stopped when the test ends.
func Redis(t testing.TB, extra ...string) *Server {
	return start(t, "redis-server", func(port int) []string {
		args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", t.TempDir()}
		return append(args, extra...)
	})
}

// Need fails the test under CI=true, or skips it elsewhere, when binary is
// neither on PATH nor in /usr/sbin (where Debian puts nutcracker, and which
// a user's PATH may lack).
func Need(t testing.TB, binary string) string {
	t.Helper()
	path, err := exec.LookPath(binary)
	if err == nil {
		return path
	}
	if path, err := exec.LookPath(filepath.Join("/usr/sbin", binary)); err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found on PATH: run `make test` (it installs it) "+
		"or `apt-get install %s`", binary, pkgOf(binary))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// NutServer is one server in nutcracker's pool.
type NutServer struct {
	Addr   string // host:port of a memcached
	Weight int    // 1 if 0
	// Name, if set, is what nutcracker hashes for the server in place of
	// its address, so several entries can share one memcached.
	Name string
}

// Nutcracker starts twemproxy on a free loopback port in front of servers,
// with ketama distribution, md5 hashing and no ejection, the way
// libmemcached-compatible fleets run it. Its stats listener takes a free
// loopback port too. The process is stopped when the test ends.
func Nutcracker(t testing.TB, servers []NutServer) *Server {
	dir := t.TempDir()
	return start(t, "nutcracker", func(port int) []string {
		stats, err := FreePort()
		if err != nil {
			t.Fatalf("testserver: no free port: %v", err)
		}
		conf := filepath.Join(dir, fmt.Sprintf("nutcracker-%d.yml", port))
		if err := os.WriteFile(conf, []byte(nutConfig(port, servers)), 0o600); err != nil {
			t.Fatalf("testserver: %v", err)
		}
		return []string{"-c", conf, "-s", strconv.Itoa(stats), "-a", "127.0.0.1",
			"-o", filepath.Join(dir, "nutcracker.log")}
	})
}

// nutConfig is nutcracker's YAML configuration for one pool.
func nutConfig(port int, servers []NutServer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "herd:\n  listen: 127.0.0.1:%d\n", port)
	b.WriteString("  hash: md5\n  distribution: ketama\n  auto_eject_hosts: false\n")
	b.WriteString("  timeout: 2000\n  servers:\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "   - %s:%d", s.Addr, max(s.Weight, 1))
		if s.Name != "" {
			fmt.Fprintf(&b, " %s", s.Name)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func pkgOf(binary string) string {
	if binary == "etcd" {
		return "etcd-server"
	}
	return binary
}

func start(t testing.TB, binary string, argsFor func(port int) []string) *Server {
	t.Helper()
	path := Need(t, binary)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := FreePort()
		if err != nil {
			t.Fatalf("testserver: no free port: %v", err)
		}
		s := &Server{Kind: binary, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			t: t, args: argsFor(port)}
		if lastErr = s.launch(path); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("testserver: %s did not start: %v", binary, lastErr)
	return nil
}

func (s *Server) launch(path string) error {
	s.cmd = exec.Command(path, s.args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := WaitListening(s.Addr, 5*time.Second, s.done); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// Stop kills the server and waits for it to exit. It is idempotent.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	<-s.done
}

// PID returns the server process's PID, or 0 if it is not running.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	select {
	case <-s.done:
		return 0
	default:
		return s.cmd.Process.Pid
	}
}

// Pause stops the process with SIGSTOP: it keeps its sockets, and the
// kernel still accepts connections for it, but it answers nothing.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused process with SIGCONT.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	if pid := s.PID(); pid != 0 {
		_ = syscall.Kill(pid, sig)
	}
}

// Restart starts the server again on the same address after Stop.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.launch(s.cmd.Path); err != nil {
		s.t.Fatalf("testserver: restart %s: %v", s.Addr, err)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitListening polls addr until it accepts a connection, the process ends
// (exited closes), or timeout passes.
func WaitListening(addr string, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		select {
		case <-exited:
			return fmt.Errorf("process exited before listening on %s", addr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listening on %s after %v: %w", addr, timeout, err)
		}
	}
}

// MemcachedAt starts a memcached on addr exactly, a loopback host:port,
// such as a second address of the loopback range with another server's
// port. The process is stopped when the test ends.
func MemcachedAt(t testing.TB, addr string) *Server {
	t.Helper()
	path := Need(t, "memcached")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	args := []string{"-l", host, "-p", port, "-U", "0", "-m", "64", "-t", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	s := &Server{Kind: "memcached", Addr: addr, t: t, args: args}
	if err := s.launch(path); err != nil {
		t.Fatalf("testserver: memcached on %s did not start: %v", addr, err)
	}
	t.Cleanup(s.Stop)
	return s
}
