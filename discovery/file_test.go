package discovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-go/herd/routing"
)

// writeFile replaces path's contents the way deploy tools do: write a
// temporary file beside it, then rename it over the old one.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestFileNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.yaml")
	f := File(path, FileOptions{})
	if _, err := f.Nodes(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v, want ErrNotExist", err)
	}

	writeFile(t, path, "- a:1\n- addr: b:1\n  weight: 2\n")
	want := []routing.Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2}}
	if got := answer(t, f); !slices.Equal(got, want) {
		t.Fatalf("answered %v, want %v", got, want)
	}

	writeFile(t, path, "- addr: a:1\n  colour: red\n")
	if _, err := f.Nodes(context.Background()); !errors.Is(err, ErrBadList) {
		t.Errorf("bad file: %v, want ErrBadList", err)
	}
}

// watchCount runs watch until the test ends and counts its notices.
func watchCount(t *testing.T, watch func(context.Context, func()) error) *atomic.Int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	done := make(chan error, 1)
	go func() { done <- watch(ctx, func() { n.Add(1) }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	})
	return &n
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFileWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.json")
	writeFile(t, path, `["a:1"]`)
	f := File(path, FileOptions{})
	n := watchCount(t, f.Watch)
	// The watch begins with a notice: the file may have changed between
	// herd's first read and the watch's start.
	waitFor(t, time.Second, "the notice the watch begins with", func() bool { return n.Load() == 1 })
	time.Sleep(50 * time.Millisecond)
	if n.Load() != 1 {
		t.Fatalf("%d notices for an unchanged file", n.Load())
	}

	writeFile(t, path, `["a:1", "b:1"]`)
	waitFor(t, time.Second, "notice of a rename over the file", func() bool { return n.Load() > 1 })

	before := n.Load()
	if err := os.WriteFile(filepath.Join(dir, "other"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n.Load() != before {
		t.Errorf("a write to another file in the directory gave a notice")
	}

	if err := os.WriteFile(path, []byte(`["c:1"]`), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "notice of a write in place", func() bool { return n.Load() > before })
}

// TestFileWatchPolling checks the fallback used where the file system
// cannot notify.
func TestFileWatchPolling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.json")
	writeFile(t, path, `["a:1"]`)
	f := File(path, FileOptions{CheckInterval: 20 * time.Millisecond})
	n := watchCount(t, f.poll)
	time.Sleep(60 * time.Millisecond)
	if n.Load() != 1 {
		t.Fatalf("%d notices for an unchanged file, want the one the checks begin with",
			n.Load())
	}
	writeFile(t, path, `["a:1", "b:1"]`)
	waitFor(t, time.Second, "polled notice", func() bool { return n.Load() > 1 })
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	before := n.Load()
	waitFor(t, time.Second, "notice of removal", func() bool { return n.Load() > before })
}
