package actors

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

// The hysteresis of a node's health: threshold failures in a row mark it
// down, a success in between resets the run, one probe marks it up.
func TestHealthHysteresis(t *testing.T) {
	boom := errors.New("boom")
	steps := []struct {
		op       string
		wantFlip bool
		wantDown bool
	}{
		{"fail", false, false},
		{"fail", false, false},
		{"ok", false, false}, // resets the run
		{"fail", false, false},
		{"fail", false, false},
		{"fail", true, true}, // the third in a row marks it down
		{"fail", false, true},
		{"ok", false, true}, // a request's success does not mark it up
		{"up", true, false}, // a probe does
		{"fail", false, false},
	}
	h := newHealth(3)
	for i, s := range steps {
		var flip bool
		switch s.op {
		case "fail":
			flip = h.failure(boom)
		case "ok":
			h.success()
		case "up":
			_, flip = h.markUp()
		}
		if flip != s.wantFlip || h.isDown() != s.wantDown {
			t.Fatalf("step %d (%s): flip %v down %v, want %v %v",
				i, s.op, flip, h.isDown(), s.wantFlip, s.wantDown)
		}
	}
	if snap := h.snapshot(); snap.Down || snap.Failures != 1 || snap.LastError != nil {
		t.Fatalf("snapshot after the run: %+v", snap)
	}
}

func TestHealthMarkDown(t *testing.T) {
	h := newHealth(3)
	if !h.markDown(errors.New("pool stopped")) || h.markDown(errors.New("again")) {
		t.Fatal("markDown must flip once")
	}
	if snap := h.snapshot(); !snap.Down || snap.LastError == nil || snap.Since.IsZero() {
		t.Fatalf("snapshot of a node marked down: %+v", snap)
	}
}

// A timeout counts against the node only if the request had NodeTimeout
// on the wire; other failures always count.
func TestBlame(t *testing.T) {
	p := &pipe{rt: &Runtime{cfg: Config{NodeTimeout: 100 * time.Millisecond}}}
	deadline := time.Now().Add(time.Second)
	cases := []struct {
		err    error
		onWire time.Duration
		want   bool
	}{
		{errTimeoutForTest, 10 * time.Millisecond, false},
		{errTimeoutForTest, 100 * time.Millisecond, true},
		{errors.New("connection reset"), 0, true},
	}
	for _, c := range cases {
		s := sent{call: &messages.Call{Deadline: deadline}, at: deadline.Add(-c.onWire)}
		if got := p.blame(c.err, s); got != c.want {
			t.Errorf("blame(%v, %v) = %v, want %v", c.err, c.onWire, got, c.want)
		}
	}
}

var errTimeoutForTest = fmt.Errorf("node x: %w", messages.ErrTimeout)

// A node that goes down again soon after a probe marked it up waits twice
// as long for each next round of probes, up to ProbeMax; one that stayed
// up a while starts again from ProbeInterval.
func TestProbeDampsFlapping(t *testing.T) {
	cfg := Config{ProbeInterval: 100 * time.Millisecond, ProbeMax: time.Second}
	p := &pool{rt: &Runtime{cfg: cfg}}
	if got := p.nextProbeAfterDown(); got != cfg.ProbeInterval {
		t.Fatalf("first fall: %v, want %v", got, cfg.ProbeInterval)
	}
	p.probe.delay, p.probe.upAt = 400*time.Millisecond, time.Now()
	if got := p.nextProbeAfterDown(); got != 800*time.Millisecond {
		t.Fatalf("fall right after coming up: %v, want 800ms", got)
	}
	p.probe.delay = 800 * time.Millisecond
	if got := p.nextProbeAfterDown(); got != cfg.ProbeMax {
		t.Fatalf("capped: %v, want %v", got, cfg.ProbeMax)
	}
	p.probe.upAt = time.Now().Add(-time.Minute)
	if got := p.nextProbeAfterDown(); got != cfg.ProbeInterval {
		t.Fatalf("fall after a long spell up: %v, want %v", got, cfg.ProbeInterval)
	}
}
