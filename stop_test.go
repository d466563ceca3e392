package herd_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/herd-go/herd"
)

// Stop under load: every call returns (a value or ErrClosed), later calls
// get ErrClosed at once, concurrent Stops all return once stopped,
// connections close and no goroutine is left behind.
func TestStopIsClean(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	baseline := goleak.IgnoreCurrent()
	conns := serverConns(t, addrs[0])
	h := e.start(cfg)
	eventually(t, "the pool connects", func() bool { return serverConns(t, addrs[0]) == conns+2 })

	var wg sync.WaitGroup
	var done atomic.Int64
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- hammer(t, h, g, &done)
		}()
	}
	eventually(t, "the load is under way", func() bool { return done.Load() > 200 })
	stopAll(t, h)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	_, err := h.Get(ctxT(t), "k")
	if !errors.Is(err, herd.ErrClosed) || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("get after stop: %v after %v, want ErrClosed at once", err, time.Since(start))
	}
	eventually(t, "connections close", func() bool { return serverConns(t, addrs[0]) == conns })
	goleak.VerifyNone(t, baseline)
}

// hammer sets and gets until the herd closes; any error but ErrClosed is a
// failure.
func hammer(t *testing.T, h *herd.Herd, g int, done *atomic.Int64) error {
	for i := 0; ; i++ {
		done.Add(1)
		key := fmt.Sprintf("g%d-%d", g, i%50)
		err := h.Set(ctxT(t), key, []byte(key), 0)
		if err == nil {
			_, err = h.Get(ctxT(t), key)
		}
		switch {
		case errors.Is(err, herd.ErrClosed):
			return nil
		case err != nil:
			return fmt.Errorf("goroutine %d: %w", g, err)
		}
	}
}

// stopAll calls Stop from four goroutines at once; each must return nil
// and only once the herd has stopped.
func stopAll(t *testing.T, h *herd.Herd) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if h.PID() != nil && len(h.Nodes()) != 0 {
				t.Error("Stop returned before the herd stopped")
			}
		}()
	}
	wg.Wait()
}

// serverConns asks memcached how many connections it has open, counting the
// one that asks.
func serverConns(t *testing.T, addr string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "stats\r\n")
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[1] == "curr_connections" {
			n, _ := strconv.Atoi(f[2])
			return n
		}
		if f[0] == "END" {
			break
		}
	}
	t.Fatalf("no curr_connections in stats of %s", addr)
	return 0
}
