package redis

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// wire renders args as the RESP array of bulk strings redis reads.
func wire(args ...string) string {
	s := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		s += bulk(a)
	}
	return s
}

// TestEncode checks the bytes written for every kind of request.
func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		req  messages.Request
		want string
	}{
		{"get", &messages.Get{Key: "k"}, wire("GET", "k")},
		{"binary key", &messages.Get{Key: "a b\r\n\x00"}, wire("GET", "a b\r\n\x00")},
		{"set", &messages.Set{Key: "k", Value: []byte("v")}, wire("SET", "k", "v")},
		{"set ttl", &messages.Set{Key: "k", Value: []byte("v"), TTL: 1500 * time.Microsecond},
			wire("SET", "k", "v", "PX", "2")},
		{"add", &messages.Set{Mode: messages.ModeAdd, Key: "k"}, wire("SET", "k", "", "NX")},
		{"replace ttl", &messages.Set{Mode: messages.ModeReplace, Key: "k", TTL: time.Hour},
			wire("SET", "k", "", "PX", "3600000", "XX")},
		{"append", &messages.Set{Mode: messages.ModeAppend, Key: "k", Value: []byte("+")},
			wire("APPEND", "k", "+")},
		{"delete", &messages.Delete{Key: "k"}, wire("DEL", "k")},
		{"incr", &messages.Incr{Key: "k", Delta: -7}, wire("INCRBY", "k", "-7")},
		{"touch", &messages.Touch{Key: "k", TTL: time.Second}, wire("PEXPIRE", "k", "1000")},
		{"persist", &messages.Touch{Key: "k"}, wire("PERSIST", "k") + wire("EXISTS", "k")},
		{"mget", &messages.GetMulti{Keys: []string{"a", "b"}}, wire("MGET", "a", "b")},
		{"do", &messages.Do{Key: "k", Command: "ZADD", Args: []any{
			"k", []byte("b"), nil, true, false,
			-3, int8(-8), int16(16), int32(32), int64(math.MinInt64),
			uint(1), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64),
			1.5, float32(0.1), math.Inf(1), 1e21}},
			wire("ZADD", "k", "b", "", "1", "0", "-3", "-8", "16", "32", "-9223372036854775808",
				"1", "8", "16", "32", "18446744073709551615", "1.5", "0.1", "+Inf", "1e+21")},
		{"do no args", &messages.Do{Key: "k", Command: "PING"}, wire("PING")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := encoder{w: bufio.NewWriter(&buf)}
			if err := e.encode(tc.req); err != nil {
				t.Fatal(err)
			}
			_ = e.w.Flush()
			if buf.String() != tc.want {
				t.Fatalf("wrote %q\nwant  %q", buf.String(), tc.want)
			}
		})
	}
}

// A value larger than the write buffer goes out whole.
func TestEncodeLargeValue(t *testing.T) {
	value := strings.Repeat("v", 3*writeBufferSize)
	var buf bytes.Buffer
	e := encoder{w: bufio.NewWriterSize(&buf, writeBufferSize)}
	if err := e.encode(&messages.Set{Key: "k", Value: []byte(value)}); err != nil {
		t.Fatal(err)
	}
	_ = e.w.Flush()
	if want := wire("SET", "k", value); buf.String() != want {
		t.Fatalf("wrote %d bytes, want %d", buf.Len(), len(want))
	}
}

// Do takes the argument types it can write unambiguously and refuses the
// rest before anything is sent.
func TestDoArgumentTypes(t *testing.T) {
	b := New(Options{})
	type name string
	for _, arg := range []any{struct{}{}, name("k"), time.Second, &[]byte{}, []string{"a"},
		map[string]int{}, complex(1, 2), (*int)(nil)} {
		err := b.Check(&messages.Do{Key: "k", Command: "GET", Args: []any{"k", arg}})
		wantErr(t, err, messages.ErrInvalidRequest)
		if !strings.Contains(err.Error(), "argument 2") {
			t.Errorf("error %q does not name the argument", err)
		}
	}
}
