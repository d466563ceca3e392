package herd_test

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herd-go/herd/messages"
)

// batchServer is a stand-in memcached that answers every "gets <key>" with
// the key as its value, and records the most requests that arrived in one
// read: more than one means they were written together.
type batchServer struct {
	ln       net.Listener
	maxBatch atomic.Int64
}

func newBatchServer(t *testing.T) *batchServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &batchServer{ln: ln}
	go s.accept()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *batchServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}

func (s *batchServer) serve(c net.Conn) {
	defer c.Close()
	buf, pending := make([]byte, 64<<10), []byte(nil)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		pending = append(pending, buf[:n]...)
		var out bytes.Buffer
		lines := 0
		for {
			i := bytes.Index(pending, []byte("\r\n"))
			if i < 0 {
				break
			}
			key := bytes.TrimPrefix(pending[:i], []byte("gets "))
			fmt.Fprintf(&out, "VALUE %s 0 %d 1\r\n%s\r\nEND\r\n", key, len(key), key)
			pending, lines = pending[i+2:], lines+1
		}
		if int64(lines) > s.maxBatch.Load() {
			s.maxBatch.Store(int64(lines))
		}
		if _, err := c.Write(out.Bytes()); err != nil {
			return
		}
	}
}

// Calls waiting for one worker go out in one write, and every reply still
// reaches its own caller.
func TestPipelining(t *testing.T) {
	srv := newBatchServer(t)
	e, cfg := newEnv(t, srv.ln.Addr().String())
	cfg.PoolSize = 1
	h := e.start(cfg)

	var wg sync.WaitGroup
	var wrong atomic.Int64
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				r := h.Send(ctxT(t), &messages.Get{Key: key})
				if r.Err != nil || string(r.Value) != key {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d of 6400 calls got an error or another's reply", wrong.Load())
	}
	if srv.maxBatch.Load() < 2 {
		t.Fatalf("the most requests in one write was %d: nothing was pipelined",
			srv.maxBatch.Load())
	}
	t.Logf("largest batch: %d requests in one write", srv.maxBatch.Load())
}
