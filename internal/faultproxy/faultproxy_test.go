package faultproxy_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/herd-go/herd/internal/faultproxy"
	"github.com/herd-go/herd/internal/testserver"
)

func TestStartRefusesTargetsOffLoopback(t *testing.T) {
	for _, target := range []string{
		"10.0.0.1:11211", "localhost:11211", "[::1]:11211", "0.0.0.0:11211",
		"127.0.0.2:11211", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:http", "",
	} {
		p, err := faultproxy.Start(target)
		if !errors.Is(err, faultproxy.ErrNotLoopback) {
			if p != nil {
				_ = p.Close()
			}
			t.Errorf("Start(%q) = %v, want ErrNotLoopback", target, err)
		}
	}
}

func TestForwardsBothWays(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	c := dial(t, p.Addr())
	echoes(t, c, "hello\r\n")

	// A payload of many chunks, written while it is read back.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	go func() { _, _ = c.Write(big) }()
	got, err := receive(c, len(big), patience)
	if err != nil || got != string(big) {
		t.Fatalf("1 MiB echo: %d bytes, equal %v, %v", len(got), got == string(big), err)
	}
}

func TestHalfCloseIsPassedOn(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	c := dial(t, p.Addr())
	send(t, c, "last words")
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(patience))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after half-close read %q, %v; want the echo, then EOF", got, err)
	}
}

func TestDelay(t *testing.T) {
	const delay = 300 * time.Millisecond
	p := startProxy(t, startEcho(t).addr())
	c := dial(t, p.Addr())
	set(t, p, faultproxy.Fault{Delay: delay})
	start := time.Now()
	echoes(t, c, "slow\n")
	if took := time.Since(start); took < delay {
		t.Fatalf("reply came after %v, want at least %v", took, delay)
	}

	set(t, p, faultproxy.Fault{})
	start = time.Now()
	echoes(t, c, "fast\n")
	if took := time.Since(start); took >= delay {
		t.Fatalf("reply after Clear came after %v, want under %v", took, delay)
	}
}

func TestClearEndsADelayUnderWay(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	c := dial(t, p.Addr())
	set(t, p, faultproxy.Fault{Delay: time.Hour})
	send(t, c, "held\n")
	if _, err := receive(c, 5, 50*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read under an hour's delay: %v, want a timeout", err)
	}
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	if got, err := receive(c, 5, patience); err != nil || got != "held\n" {
		t.Fatalf("after Clear got %q, %v", got, err)
	}
}

func TestSplit(t *testing.T) {
	const pause = 200 * time.Millisecond
	p := startProxy(t, startEcho(t).addr())
	c := dial(t, p.Addr())
	set(t, p, faultproxy.Fault{SplitAt: 3, SplitPause: pause})
	start := time.Now()
	reply := "VALUE k 0 5\r\nhello\r\nEND\r\n"
	send(t, c, reply)

	// The first read can see only the bytes before the cut.
	_ = c.SetReadDeadline(time.Now().Add(patience))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "VAL" {
		t.Fatalf("first read %q, %v; want %q", buf[:n], err, "VAL")
	}
	rest, err := receive(c, len(reply)-3, patience)
	if err != nil || rest != reply[3:] {
		t.Fatalf("second read %q, %v", rest, err)
	}
	if took := time.Since(start); took < pause {
		t.Fatalf("whole reply after %v, want at least the pause, %v", took, pause)
	}
}

func TestStallThenClearDeliversLate(t *testing.T) {
	echo := startEcho(t)
	p := startProxy(t, echo.addr())
	c := dial(t, p.Addr())
	set(t, p, faultproxy.Fault{Stall: true})
	send(t, c, "first\n")

	// The server has answered, and the answer is held.
	eventually(t, "the server has replied", func() bool { return echo.written.Load() == 6 })
	if _, err := receive(c, 6, 50*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read during stall: %v, want a timeout", err)
	}

	// A client that gave up on "first" but kept the connection now reads a
	// stale reply to its next request.
	send(t, c, "again\n")
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	if got, err := receive(c, 12, patience); err != nil || got != "first\nagain\n" {
		t.Fatalf("after Clear got %q, %v; want the held reply first", got, err)
	}
}

func TestRefuse(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	open := dial(t, p.Addr())
	echoes(t, open, "accepted\n") // not left in the backlog, which Refuse resets
	set(t, p, faultproxy.Fault{Refuse: true})
	_, err := net.DialTimeout("tcp", p.Addr(), patience)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial under Refuse: %v, want connection refused", err)
	}
	echoes(t, open, "still here\n")

	set(t, p, faultproxy.Fault{})
	echoes(t, dial(t, p.Addr()), "back\n")
}

func TestReset(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	open := dial(t, p.Addr())
	echoes(t, open, "before\n")
	set(t, p, faultproxy.Fault{Reset: true})
	if _, err := receive(open, 1, patience); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on an open connection under Reset: %v, want ECONNRESET", err)
	}

	// The kernel completes a new dial before the proxy accepts and resets
	// it, so the reset shows on the first read, or on the dial itself when
	// the RST wins the race with the dialer's check of the socket.
	fresh, err := net.DialTimeout("tcp", p.Addr(), patience)
	if err == nil {
		defer fresh.Close()
		_, err = receive(fresh, 1, patience)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("new connection under Reset: %v, want ECONNRESET", err)
	}
	eventually(t, "both resets are counted", func() bool { return p.Stats().Resets == 2 })

	set(t, p, faultproxy.Fault{})
	echoes(t, dial(t, p.Addr()), "after\n")
}

func TestBlackhole(t *testing.T) {
	echo := startEcho(t)
	p := startProxy(t, echo.addr())
	open := dial(t, p.Addr())
	echoes(t, open, "ok\n")
	set(t, p, faultproxy.Fault{Blackhole: true})

	fresh := dial(t, p.Addr())
	for _, c := range []net.Conn{open, fresh} {
		send(t, c, "anyone?\n")
		if _, err := receive(c, 1, 100*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read under Blackhole: %v, want a timeout", err)
		}
	}
	eventually(t, "both requests are swallowed", func() bool {
		return p.Stats().BytesDropped == 16
	})
	if got := echo.written.Load(); got != 3 {
		t.Fatalf("the server wrote %d bytes, want only the 3 before the blackhole", got)
	}

	set(t, p, faultproxy.Fault{})
	echoes(t, dial(t, p.Addr()), "healed\n")
}

func TestStatsCount(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	var conns []net.Conn
	for _, msg := range []string{"a\n", "bb\n", "ccc\n"} {
		c := dial(t, p.Addr())
		echoes(t, c, msg)
		conns = append(conns, c)
	}
	eventually(t, "9 bytes each way are counted", func() bool {
		s := p.Stats()
		return s.BytesToServer == 9 && s.BytesToClient == 9
	})
	if s := p.Stats(); s.Accepted != 3 || s.Open != 3 || s.Resets != 0 || s.BytesDropped != 0 {
		t.Fatalf("stats %+v, want 3 accepted and open, nothing reset or dropped", s)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	eventually(t, "no connection is open", func() bool { return p.Stats().Open == 0 })
}

func TestDialFailureClosesTheClient(t *testing.T) {
	port, err := testserver.FreePort() // free, and nothing will listen there
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	c := dial(t, p.Addr())
	if _, err := receive(c, 1, patience); !errors.Is(err, io.EOF) {
		t.Fatalf("read with no server behind the proxy: %v, want EOF", err)
	}
	if s := p.Stats(); s.DialFailures != 1 || s.Accepted != 1 {
		t.Fatalf("stats %+v, want one accepted and one dial failure", s)
	}
}

func TestSetRejectsNegativeFields(t *testing.T) {
	p := startProxy(t, startEcho(t).addr())
	for _, f := range []faultproxy.Fault{
		{Delay: -1}, {SplitAt: -1}, {SplitPause: -time.Second},
	} {
		if err := p.Set(f); !errors.Is(err, faultproxy.ErrFault) {
			t.Errorf("Set(%+v) = %v, want ErrFault", f, err)
		}
	}
	if p.Fault() != (faultproxy.Fault{}) {
		t.Fatalf("a rejected Set changed the fault to %+v", p.Fault())
	}
}

// Close ends every wait at once, and leaves no goroutine behind, even with
// bytes held and delayed.
func TestCloseIsIdempotentAndLeavesNoGoroutines(t *testing.T) {
	echo := startEcho(t)
	p, err := faultproxy.Start(echo.addr())
	if err != nil {
		t.Fatal(err)
	}
	stalled, delayed := dial(t, p.Addr()), dial(t, p.Addr())
	set(t, p, faultproxy.Fault{Stall: true})
	send(t, stalled, "stuck\n")
	eventually(t, "the stalled reply is held", func() bool { return echo.written.Load() == 6 })
	set(t, p, faultproxy.Fault{Delay: time.Hour})
	send(t, delayed, "late\n")
	eventually(t, "the delayed reply is held", func() bool { return echo.written.Load() == 11 })

	start := time.Now()
	for i := 0; i < 2; i++ {
		if err := p.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Close took %v with an hour's delay pending", took)
	}
	if err := p.Set(faultproxy.Fault{}); !errors.Is(err, faultproxy.ErrClosed) {
		t.Fatalf("Set after Close = %v, want ErrClosed", err)
	}
	echo.close()
	goleak.VerifyNone(t)
}

// Through the proxy, a real memcached's reply, split mid-value, arrives
// whole and in order.
func TestMemcachedReplySplitMidValue(t *testing.T) {
	mc := testserver.Memcached(t)
	p := startProxy(t, mc.Addr)
	c := dial(t, p.Addr())
	value := strings.Repeat("v", 100)
	send(t, c, "set k 0 0 100\r\n"+value+"\r\n")
	if got, err := receive(c, 8, patience); err != nil || got != "STORED\r\n" {
		t.Fatalf("set: %q, %v", got, err)
	}

	set(t, p, faultproxy.Fault{SplitAt: 50, SplitPause: 100 * time.Millisecond})
	start := time.Now()
	send(t, c, "get k\r\n")
	want := "VALUE k 0 100\r\n" + value + "\r\nEND\r\n"
	if got, err := receive(c, len(want), patience); err != nil || got != want {
		t.Fatalf("get: %q, %v", got, err)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Fatalf("split reply whole after %v, before the pause ended", took)
	}
}
