package memcached

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

func TestCheck(t *testing.T) {
	b := New(Options{MaxValueSize: 8})
	long := strings.Repeat("k", 250)
	tests := []struct {
		name string
		req  messages.Request
		want error // nil: the request passes
	}{
		{"get", &messages.Get{Key: "foo"}, nil},
		{"get 250 bytes", &messages.Get{Key: long}, nil},
		{"get high bytes", &messages.Get{Key: "caf\xc3\xa9\xff"}, nil},
		{"get 251 bytes", &messages.Get{Key: long + "k"}, messages.ErrMalformedKey},
		{"get empty", &messages.Get{Key: ""}, messages.ErrMalformedKey},
		{"get space", &messages.Get{Key: "foo bar"}, messages.ErrMalformedKey},
		{"get crlf", &messages.Get{Key: "a\r\nb"}, messages.ErrMalformedKey},
		{"get nul", &messages.Get{Key: "a\x00"}, messages.ErrMalformedKey},
		{"get del", &messages.Get{Key: "a\x7f"}, messages.ErrMalformedKey},
		{"get tab", &messages.Get{Key: "\ta"}, messages.ErrMalformedKey},
		{"multi", &messages.GetMulti{Keys: []string{"a", "b"}}, nil},
		{"multi empty", &messages.GetMulti{}, messages.ErrInvalidRequest},
		{"multi bad key", &messages.GetMulti{Keys: []string{"a", "b c"}},
			messages.ErrMalformedKey},
		{"set", &messages.Set{Key: "k", Value: []byte("12345678")}, nil},
		{"set cas", &messages.Set{Mode: messages.ModeCAS, Key: "k", CAS: 9}, nil},
		{"set too large", &messages.Set{Key: "k", Value: []byte("123456789")},
			messages.ErrValueTooLarge},
		{"set bad key", &messages.Set{Key: "k k"}, messages.ErrMalformedKey},
		{"set negative ttl", &messages.Set{Key: "k", TTL: -time.Second},
			messages.ErrInvalidRequest},
		{"set bad mode", &messages.Set{Key: "k", Mode: 99}, messages.ErrInvalidRequest},
		{"delete", &messages.Delete{Key: "k"}, nil},
		{"delete bad key", &messages.Delete{Key: ""}, messages.ErrMalformedKey},
		{"incr", &messages.Incr{Key: "k", Delta: math.MinInt64}, nil},
		{"incr bad key", &messages.Incr{Key: "\n"}, messages.ErrMalformedKey},
		{"touch", &messages.Touch{Key: "k", TTL: time.Hour}, nil},
		{"touch negative ttl", &messages.Touch{Key: "k", TTL: -1},
			messages.ErrInvalidRequest},
		{"touch bad key", &messages.Touch{Key: " "}, messages.ErrMalformedKey},
		{"do", &messages.Do{Key: "k", Command: "stats"}, messages.ErrUnsupported},
		{"nil", nil, messages.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := b.Check(tt.req)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckKeyErrorIsShort(t *testing.T) {
	err := checkKey(strings.Repeat("x", 1<<20) + " ")
	if !errors.Is(err, messages.ErrMalformedKey) || len(err.Error()) > 200 {
		t.Fatalf("error for a 1 MiB key is %d bytes long: %.300v", len(err.Error()), err)
	}
}

func TestOptionsDefaults(t *testing.T) {
	got := Options{MaxValueSize: -1}.withDefaults()
	want := Options{MaxValueSize: 1<<20 - 512, KeepAlive: 30 * time.Second}
	if got != want {
		t.Fatalf("defaults = %+v, want %+v", got, want)
	}
	if New(Options{}).Name() != "memcached" {
		t.Fatal(`Name() != "memcached"`)
	}
}

func TestExptime(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	const day = 24 * time.Hour
	tests := []struct {
		ttl  time.Duration
		want uint64
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{999 * time.Millisecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{time.Hour, 3600},
		{30 * day, 2592000},
		{30*day + time.Second, 1_700_000_000 + 2592001},
		{200 * 365 * day, math.MaxInt32},
		{math.MaxInt64, math.MaxInt32},
	}
	for _, tt := range tests {
		if got := exptime(tt.ttl, clock); got != tt.want {
			t.Errorf("exptime(%v) = %d, want %d", tt.ttl, got, tt.want)
		}
	}
}
