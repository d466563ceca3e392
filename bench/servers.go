package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/herd-go/herd/internal/testserver"
)

// proc is one server process the benchmark started; it is killed by PID.
type proc struct {
	name string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// procs owns every process the benchmark started, so that one deferred
// killAll stops them all, whichever way the program leaves.
type procs struct {
	dir  string // temp dir for configs, logs and redis's working dir
	list []*proc
}

func newProcs() (*procs, error) {
	dir, err := os.MkdirTemp("", "herd-bench-")
	if err != nil {
		return nil, err
	}
	return &procs{dir: dir}, nil
}

// start launches binary with the args that argsFor gives for a free port
// and waits until it listens. A port taken between lookup and bind gets
// another try.
func (ps *procs) start(binary string, argsFor func(port int) []string) (*proc, error) {
	path, err := exec.LookPath(binary)
	if err != nil {
		return nil, fmt.Errorf("%s not found: run `make bench` (it installs it): %w",
			binary, err)
	}
	var lastErr error
	for range 5 {
		port, err := testserver.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := ps.launch(binary, path, port, argsFor(port))
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("%s did not start: %w", binary, lastErr)
}

func (ps *procs) launch(name, path string, port int, args []string) (*proc, error) {
	p := &proc{name: name, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		cmd: exec.Command(path, args...), done: make(chan struct{})}

	// Its own process group keeps a Ctrl-C from killing the servers under
	// the clients' feet; Pdeathsig kills them if this process dies without
	// running its defers.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ps.list = append(ps.list, p)
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	if err := testserver.WaitListening(p.addr, 5*time.Second, p.done); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// kill sends SIGKILL to the process's PID and waits for it to exit.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		fmt.Fprintf(os.Stderr, "bench: %s (pid %d) did not exit\n", p.name, p.cmd.Process.Pid)
	}
}

// killAll kills every process started, newest first, and removes the temp
// dir. It is safe to call more than once.
func (ps *procs) killAll() {
	for i := len(ps.list) - 1; i >= 0; i-- {
		ps.list[i].kill()
	}
	ps.list = nil
	_ = os.RemoveAll(ps.dir)
}

// memcached starts one memcached with one worker thread, as herd's tests do.
func (ps *procs) memcached() (*proc, error) {
	return ps.start("memcached", func(port int) []string {
		args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port),
			"-U", "0", "-m", "64", "-t", "1", "-c", "4096"}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		return args
	})
}

// redis starts one redis-server with persistence off.
func (ps *procs) redis() (*proc, error) {
	return ps.start("redis-server", func(port int) []string {
		return []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--save", "", "--appendonly", "no", "--daemonize", "no",
			"--dir", ps.dir, "--dbfilename", "dump-" + strconv.Itoa(port) + ".rdb"}
	})
}

// nutcracker starts twemproxy in front of the memcached nodes: ketama, md5,
// no ejection. Its stats listener is bound to loopback on a port of its own.
func (ps *procs) nutcracker(backends []string) (*proc, error) {
	return ps.start("nutcracker", func(port int) []string {
		stats, _ := testserver.FreePort()
		conf := filepath.Join(ps.dir, "nutcracker-"+strconv.Itoa(port)+".yml")
		_ = os.WriteFile(conf, []byte(twemproxyConfig(port, backends)), 0o600)
		return []string{"-c", conf, "-s", strconv.Itoa(stats), "-a", "127.0.0.1",
			"-o", filepath.Join(ps.dir, "nutcracker.log"),
			"-p", filepath.Join(ps.dir, "nutcracker.pid")}
	})
}

func twemproxyConfig(port int, backends []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "bench:\n  listen: 127.0.0.1:%d\n", port)
	b.WriteString("  hash: md5\n  distribution: ketama\n  auto_eject_hosts: false\n")
	b.WriteString("  timeout: 1000\n  preconnect: true\n  servers:\n")
	for _, addr := range backends {
		fmt.Fprintf(&b, "   - %s:1\n", addr)
	}
	return b.String()
}

// version returns a server's name and version from what its version flag
// prints ("memcached 1.6.18", "Redis server v=7.0.15 ...", "This is
// nutcracker-0.5.0").
func version(binary string, flag string) string {
	out, _ := exec.Command(binary, flag).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return binary + " " + v
		}
		if v, ok := strings.CutPrefix(f, binary+"-"); ok {
			return binary + " " + v
		}
	}
	if line == "" {
		return binary + " (version unknown)"
	}
	return line
}
