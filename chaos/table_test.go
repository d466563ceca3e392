package chaos

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// table is the report: one row per scenario, in the order they ran.
type table struct {
	mu   sync.Mutex
	rows []row
}

var header = []string{"scenario", "calls", "ok (miss)", "errors", "crossed",
	"late (in stalls)", "worst vs deadline", "dials/s dead", "healthy p99 before→during",
	"fail-fast p99", "back after", "goroutines", "worst stall", "note"}

// add records rw and logs it on t.
func (tb *table) add(t *testing.T, rw row) {
	t.Helper()
	tb.mu.Lock()
	tb.rows = append(tb.rows, rw)
	tb.mu.Unlock()
	t.Log("\n" + format([]row{rw}))
}

// String returns the table, or "" if no scenario ran.
func (tb *table) String() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.rows) == 0 {
		return ""
	}
	return format(tb.rows)
}

func format(rows []row) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, rw := range rows {
		fmt.Fprintln(w, strings.Join(rw.cells(), "\t"))
	}
	_ = w.Flush()
	return b.String()
}

// cells renders a row; "-" marks what the scenario does not measure.
func (rw row) cells() []string {
	tl := rw.tally
	return []string{
		rw.scenario,
		fmt.Sprint(tl.n),
		fmt.Sprintf("%d (%d)", tl.outcomes[outOK]+tl.outcomes[outMiss], tl.outcomes[outMiss]),
		tl.errors(),
		fmt.Sprint(tl.mismatches),
		fmt.Sprintf("%d (%d)", tl.late, tl.lateStall),
		signed(tl.worst, tl.n > 0),
		rw.dialCell(),
		rw.p99Cell(),
		rw.fastCell(),
		rw.backCell(),
		fmt.Sprintf("%d/%d", rw.goroutines[0], rw.goroutines[1]),
		dur(rw.stall),
		rw.notes(),
	}
}

// errors lists the failed outcomes with their counts, "none" if none.
func (tl tally) errors() string {
	var parts []string
	for o := outTimeout; o < numOutcomes; o++ {
		if n := tl.outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", o, n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func (rw row) dialCell() string {
	if rw.dialSpan <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f (%d in %.1fs, peak %d/s)", rw.dialRate(), rw.dials,
		rw.dialSpan.Seconds(), rw.dialPeak)
}

func (rw row) p99Cell() string {
	if rw.p99During == 0 {
		return "-"
	}
	return fmt.Sprintf("%s→%s (max %s)", dur(rw.p99Before), dur(rw.p99During), dur(rw.p99Limit()))
}

func (rw row) fastCell() string {
	if len(rw.fast) == 0 {
		return "-"
	}
	fast := rw.fast.where(unstalled)
	return fmt.Sprintf("%s (%d calls)", dur(fast.percentile(99)), len(fast))
}

func (rw row) backCell() string {
	switch {
	case rw.outage == nil:
		return "-"
	case !rw.backSeen:
		return "never"
	}
	return dur(rw.back)
}

// dur rounds d for the table: to 10 µs under 10 ms, to 1 ms above.
func dur(d time.Duration) string {
	if d < 10*time.Millisecond && d > -10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// signed renders a lateness with its sign: "-150ms" is 150 ms early.
func signed(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	if d > 0 {
		return "+" + dur(d)
	}
	return dur(d)
}

// notes joins the row's note with what else is worth a word: a node
// marked down more than once in one outage.
func (rw row) notes() string {
	var parts []string
	if rw.flaps > 1 {
		parts = append(parts, fmt.Sprintf("marked down %d times", rw.flaps))
	}
	if rw.note != "" {
		parts = append(parts, rw.note)
	}
	return strings.Join(parts, "; ")
}
