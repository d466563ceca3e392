package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/herd-go/herd"
)

func keyName(i int) string { return fmt.Sprintf("key:%05d", i) }

// writeAndRead sets every key from 16 goroutines, then reads each back.
func writeAndRead(ctx context.Context, h *herd.Herd) error {
	start := time.Now()
	if err := parallel(ctx, func(i int) error {
		return h.Set(ctx, keyName(i), []byte(keyName(i)), 0)
	}); err != nil {
		return fmt.Errorf("set: %w", err)
	}
	if err := parallel(ctx, func(i int) error {
		item, err := h.Get(ctx, keyName(i))
		if err == nil && string(item.Value) != keyName(i) {
			err = fmt.Errorf("%s read back as %q", keyName(i), item.Value)
		}
		return err
	}); err != nil {
		return fmt.Errorf("get: %w", err)
	}
	took := time.Since(start).Round(time.Millisecond)
	fmt.Printf("wrote and read back %d keys in %v\n", keyCount, took)
	return nil
}

// parallel runs op for every key index on 16 goroutines and returns the
// first error.
func parallel(ctx context.Context, op func(i int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < keyCount; i += 16 {
				if err := op(i); err != nil {
					errs <- fmt.Errorf("%s: %w", keyName(i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func ownersOf(h *herd.Herd) map[string]string {
	owners := make(map[string]string, keyCount)
	for i := 0; i < keyCount; i++ {
		owners[keyName(i)], _ = h.Owner(keyName(i))
	}
	return owners
}

func printSpread(title string, owners map[string]string) {
	count := map[string]int{}
	for _, node := range owners {
		count[node]++
	}
	nodes := make([]string, 0, len(count))
	for n := range count {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	fmt.Printf("\n%s:\n", title)
	for _, n := range nodes {
		fmt.Printf("  %-22s %5d  (%4.1f%%)\n", n, count[n], 100*float64(count[n])/keyCount)
	}
}

func waitForNodes(ctx context.Context, h *herd.Herd, n int) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for len(h.Nodes()) != n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("herd did not drop to %d nodes: %w", n, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// reportMoves counts keys whose owner changed and checks that every one of
// them was on the removed node, and that keys which stayed still read back.
func reportMoves(ctx context.Context, h *herd.Herd, before map[string]string,
	removed string) error {
	after := ownersOf(h)
	moved, onRemoved := 0, 0
	for key, was := range before {
		if was == removed {
			onRemoved++
		}
		if after[key] == was {
			continue
		}
		moved++
		if was != removed {
			return fmt.Errorf("%s moved from %s, which stayed, to %s", key, was, after[key])
		}
	}
	printSpread("keys per node after the removal", after)
	fmt.Printf("\n%d keys moved (%.1f%%): exactly the %d the removed node owned, "+
		"none between nodes that stayed\n", moved, 100*float64(moved)/keyCount, onRemoved)
	if moved != onRemoved {
		return fmt.Errorf("%d keys moved but the removed node owned %d", moved, onRemoved)
	}
	return checkStayers(ctx, h, before, removed)
}

// checkStayers reads back a sample of keys that did not move.
func checkStayers(ctx context.Context, h *herd.Herd, before map[string]string,
	removed string) error {
	checked := 0
	for i := 0; i < keyCount && checked < 500; i++ {
		if before[keyName(i)] == removed {
			continue
		}
		if _, err := h.Get(ctx, keyName(i)); err != nil {
			return fmt.Errorf("%s stayed on its node but reads back %w", keyName(i), err)
		}
		checked++
	}
	fmt.Printf("%d keys that stayed still read back from their node\n", checked)
	return nil
}
