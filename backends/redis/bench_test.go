package redis

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// The requests of the bench workload: a 100-byte value under a short key.
var (
	benchGet   = &messages.Get{Key: "key:00042"}
	benchSet   = &messages.Set{Key: "key:00042", Value: []byte(strings.Repeat("v", 100))}
	benchValue = bulk(strings.Repeat("v", 100))
)

// BenchmarkCodec measures one request's Write, Flush and Read against an
// in-memory server: the codec's own cost, with no socket.
func BenchmarkCodec(b *testing.B) {
	b.Run("get", func(b *testing.B) { benchCalls(b, loopback(benchValue), benchGet) })
	b.Run("set", func(b *testing.B) { benchCalls(b, loopback("+OK\r\n"), benchSet) })
}

// BenchmarkLoopback measures the same against a server of the test's own
// on 127.0.0.1, which answers each read with one reply: the codec and the
// socket, with no redis behind it.
func BenchmarkLoopback(b *testing.B) {
	b.Run("get", func(b *testing.B) { benchCalls(b, dialAnswering(b, benchValue), benchGet) })
	b.Run("set", func(b *testing.B) { benchCalls(b, dialAnswering(b, "+OK\r\n"), benchSet) })
}

// benchCalls writes, flushes and reads req on c once per iteration, into
// one Reply reused as a worker reuses it.
func benchCalls(b *testing.B, c backends.Conn, req messages.Request) {
	var r messages.Reply
	b.ReportAllocs()
	for b.Loop() {
		r = messages.Reply{}
		if err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := c.Read(req, &r); err != nil || r.Err != nil {
			b.Fatalf("read: %v, %v", err, r.Err)
		}
	}
}

// dialAnswering starts a loopback server that answers every read with
// reply, dials it and stops both when the benchmark ends.
func dialAnswering(b *testing.B, reply string) backends.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		answer(nc, []byte(reply))
	}()
	c, err := New(Options{}).Dial(context.Background(), ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = c.Close()
		_ = ln.Close()
		<-done
	})
	return c
}

// answer writes reply for every read from nc until nc closes. With one
// request in flight at a time, every read holds one command.
func answer(nc net.Conn, reply []byte) {
	r := bufio.NewReader(nc)
	buf := make([]byte, 4096)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
		if _, err := nc.Write(reply); err != nil {
			return
		}
	}
}
