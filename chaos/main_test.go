package chaos

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

// size is how long each phase of a scenario lasts and how much traffic it
// carries.
type size struct {
	name       string
	goroutines int           // load goroutines in the outage scenarios
	pace       time.Duration // each load goroutine sends one call per pace
	before     time.Duration // steady load before the fault
	hold       time.Duration // how long a killed or paused node stays dead
	fault      time.Duration // how long each proxy fault holds
	after      time.Duration // load after the node is back
	storm      time.Duration // the restart storm's measurement window
	flip       time.Duration // how long discovery flips
}

var (
	shortSize = size{name: "short", goroutines: 16, pace: 4 * time.Millisecond,
		before: time.Second, hold: 3 * time.Second, fault: 2 * time.Second,
		after: 2 * time.Second, storm: 3 * time.Second, flip: 2 * time.Second}
	longSize = size{name: "long", goroutines: 32, pace: 4 * time.Millisecond,
		before: 3 * time.Second, hold: 10 * time.Second, fault: 4 * time.Second,
		after: 2 * time.Second, storm: 10 * time.Second, flip: 10 * time.Second}
)

// sz is the size of this run, set by TestMain: long when HERD_CHAOS=long
// (and -short is not given), short otherwise.
var sz = shortSize

func pickSize() size {
	if os.Getenv("HERD_CHAOS") == "long" && !testing.Short() {
		return longSize
	}
	return shortSize
}

// report gathers every scenario's row, printed as one table when the
// package's tests have run.
var report table

func TestMain(m *testing.M) {
	flag.Parse()
	sz = pickSize()
	start := time.Now()
	code := m.Run()
	if rows := report.String(); rows != "" {
		fmt.Printf("\nherd chaos suite, %s size, %v:\n%s", sz.name,
			time.Since(start).Round(time.Second), rows)
	}
	os.Exit(code)
}
