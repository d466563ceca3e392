package memcached

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// BenchmarkCheckKey measures the key rule every request passes before a
// byte is sent.
func BenchmarkCheckKey(b *testing.B) {
	for _, key := range []string{"key:00042", strings.Repeat("k", maxKeyLen)} {
		b.Run("len="+strconv.Itoa(len(key)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := checkKey(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode measures writing the two commands of the bench workload
// into a connection's buffer.
func BenchmarkEncode(b *testing.B) {
	reqs := map[string]messages.Request{
		"get": &messages.Get{Key: "key:00042"},
		"set": &messages.Set{Key: "key:00042", Value: make([]byte, 100)},
	}
	for name, req := range reqs {
		b.Run(name, func(b *testing.B) {
			w := bufio.NewWriterSize(io.Discard, writeBufferSize)
			b.ReportAllocs()
			for b.Loop() {
				if err := encode(w, req, time.Now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseGet measures reading a 100-byte hit, the commonest reply.
func BenchmarkParseGet(b *testing.B) {
	reply := []byte("VALUE key:00042 0 100 7\r\n" + strings.Repeat("v", 100) + "\r\nEND\r\n")
	src := bytes.NewReader(reply)
	p := parser{r: bufio.NewReaderSize(src, readBufferSize), maxValue: DefaultMaxValueSize}
	b.ReportAllocs()
	b.SetBytes(int64(len(reply)))
	for b.Loop() {
		src.Reset(reply)
		p.r.Reset(src)
		rep, err := p.read(&messages.Get{Key: "key:00042"})
		if err != nil || rep.Err != nil || len(rep.Value) != 100 {
			b.Fatalf("read: %v, %+v", err, rep)
		}
	}
}
