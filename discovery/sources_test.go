package discovery

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/herd-go/herd/routing"
)

// answer asks d with a fresh context and fails the test on error.
func answer(t *testing.T, d Discovery) []routing.Node {
	t.Helper()
	nodes, err := d.Nodes(context.Background())
	if err != nil {
		t.Fatalf("Nodes: %v", err)
	}
	return nodes
}

func TestStatic(t *testing.T) {
	d := Static("b:1", "bad entry", "a:1")
	want := []routing.Node{
		{Addr: "b:1", Weight: 1}, {Addr: "bad entry", Weight: 1}, {Addr: "a:1", Weight: 1},
	}
	got := answer(t, d)
	if !slices.Equal(got, want) {
		t.Fatalf("Static answered %v, want %v (as given)", got, want)
	}

	got[0].Addr = "changed"
	if again := answer(t, d); !slices.Equal(again, want) {
		t.Errorf("changing an answer changed the source: %v", again)
	}
}

func TestStaticNodes(t *testing.T) {
	in := []routing.Node{{Addr: "a:1", Weight: 3}, {Addr: "b:1", Weight: -1}}
	d := StaticNodes(in...)
	in[0].Weight = 9
	want := []routing.Node{{Addr: "a:1", Weight: 3}, {Addr: "b:1", Weight: -1}}
	if got := answer(t, d); !slices.Equal(got, want) {
		t.Errorf("StaticNodes answered %v, want %v", got, want)
	}
}

func TestStaticEmpty(t *testing.T) {
	if got := answer(t, Static()); len(got) != 0 {
		t.Errorf("Static() answered %v", got)
	}
}

func TestFunc(t *testing.T) {
	type key struct{}
	boom := errors.New("boom")
	var d Discovery = Func(func(ctx context.Context) ([]routing.Node, error) {
		return []routing.Node{{Addr: ctx.Value(key{}).(string)}}, boom
	})
	ctx := context.WithValue(context.Background(), key{}, "x:1")
	nodes, err := d.Nodes(ctx)
	if !errors.Is(err, boom) || len(nodes) != 1 || nodes[0].Addr != "x:1" {
		t.Errorf("Func answered %v, %v; want its function's answer", nodes, err)
	}

	if _, err := Func(nil).Nodes(ctx); err == nil {
		t.Error("a nil Func answered no error")
	}
}

func TestManual(t *testing.T) {
	m := NewManual("a:1", "b:1")
	want := []routing.Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 1}}
	if got := answer(t, m); !slices.Equal(got, want) {
		t.Fatalf("answered %v, want %v", got, want)
	}

	boom := errors.New("boom")
	m.Fail(boom)
	if _, err := m.Nodes(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("after Fail: err %v, want boom", err)
	}
	if _, err := m.Nodes(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Fail did not last until the next Set: %v", err)
	}

	m.SetNodes(routing.Node{Addr: "c:1", Weight: 2})
	if got := answer(t, m); !slices.Equal(got, []routing.Node{{Addr: "c:1", Weight: 2}}) {
		t.Fatalf("after SetNodes answered %v", got)
	}
	if m.Calls() != 4 {
		t.Errorf("Calls() = %d, want 4", m.Calls())
	}
}

func TestManualFailNilAndSet(t *testing.T) {
	m := NewManual("a:1")
	m.Fail(errors.New("boom"))
	m.Fail(nil)
	if got := answer(t, m); len(got) != 1 || got[0].Addr != "a:1" {
		t.Errorf("after Fail(nil) answered %v, want the kept set", got)
	}

	m.Fail(errors.New("boom"))
	m.Set()
	if got := answer(t, m); len(got) != 0 {
		t.Errorf("after Set() answered %v, want nothing", got)
	}
}

func TestManualDoneContext(t *testing.T) {
	var m Manual // the zero value is usable
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Nodes(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if m.Calls() != 1 {
		t.Errorf("Calls() = %d, want 1", m.Calls())
	}
}

// TestManualConcurrent changes and reads a Manual at once; run with -race.
func TestManualConcurrent(t *testing.T) {
	m := NewManual("a:1")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 200 {
				m.Set("a:1", "b:1")
				m.Fail(errors.New("boom"))
				m.SetNodes(routing.Node{Addr: "c:1", Weight: i})
			}
		})
		wg.Go(func() {
			for range 200 {
				if nodes, err := m.Nodes(context.Background()); err == nil && len(nodes) > 0 {
					nodes[0].Addr = "mine now"
				}
				m.Calls()
			}
		})
	}
	wg.Wait()
	if m.Calls() != 800 {
		t.Errorf("Calls() = %d, want 800", m.Calls())
	}
}
