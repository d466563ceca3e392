package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// stat is the median of a metric over the repetitions, with its range.
type stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := s[len(s)/2]
	if len(s)%2 == 0 {
		mid = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{Median: mid, Min: s[0], Max: s[len(s)-1]}
}

// result is every repetition of one client at one concurrency.
type result struct {
	Client      string   `json:"client"`
	Conc        int      `json:"concurrency"`
	Samples     []sample `json:"samples"`
	OpsPerSec   stat     `json:"ops_per_sec"`
	P50us       stat     `json:"p50_us"`
	P99us       stat     `json:"p99_us"`
	MeanUs      stat     `json:"mean_us"`
	AllocsPerOp stat     `json:"allocs_per_op"`
	Errors      uint64   `json:"errors"`
}

// summarize fills the stats from the samples.
func (r *result) summarize() {
	pick := func(f func(sample) float64) stat {
		xs := make([]float64, len(r.Samples))
		for i, s := range r.Samples {
			xs[i] = f(s)
		}
		return statOf(xs)
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	r.OpsPerSec = pick(func(s sample) float64 { return s.OpsPerSec })
	r.P50us = pick(func(s sample) float64 { return us(s.P50) })
	r.P99us = pick(func(s sample) float64 { return us(s.P99) })
	r.MeanUs = pick(func(s sample) float64 { return us(s.Mean) })
	r.AllocsPerOp = pick(func(s sample) float64 { return s.AllocsPerOp })
	r.Errors = 0
	for _, s := range r.Samples {
		r.Errors += s.Errors
	}
}

// ratio compares herd with one anchor at one concurrency, medians to
// medians: ops/s above 1 means herd is faster; latency and allocations
// below 1 mean herd is lower.
type ratio struct {
	Herd   string  `json:"herd"`
	Anchor string  `json:"anchor"`
	Conc   int     `json:"concurrency"`
	Ops    float64 `json:"ops_per_sec"`
	Mean   float64 `json:"mean_latency"`
	P99    float64 `json:"p99"`
	Allocs float64 `json:"allocs_per_op"`
}

// anchorPairs names each herd client and the anchors it is compared with.
var anchorPairs = [][2]string{
	{herdMemcached, gomemcacheSL}, {herdMemcached, gomemcacheTw},
	{herdRedis, goRedisRing}, {herdRedis, rueidisShard},
}

func ratios(results []*result) []ratio {
	find := func(name string, conc int) *result {
		for _, r := range results {
			if r.Client == name && r.Conc == conc {
				return r
			}
		}
		return nil
	}
	var out []ratio
	for _, p := range anchorPairs {
		for _, h := range results {
			a := find(p[1], h.Conc)
			if h.Client != p[0] || a == nil {
				continue
			}
			out = append(out, ratio{Herd: p[0], Anchor: p[1], Conc: h.Conc,
				Ops: div(h.OpsPerSec.Median, a.OpsPerSec.Median), Mean: div(h.MeanUs.Median,
					a.MeanUs.Median), P99: div(h.P99us.Median, a.P99us.Median),
				Allocs: div(h.AllocsPerOp.Median, a.AllocsPerOp.Median)})
		}
	}
	return out
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// report is everything the program prints, and what -json writes.
type report struct {
	Header  []string  `json:"header"`
	Results []*result `json:"results"`
	Ratios  []ratio   `json:"ratios"`
}

func (rep *report) print(w io.Writer) {
	for _, line := range rep.Header {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, resultTable(rep.Results))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "herd / anchor, medians (ops/s > 1: herd faster; "+
		"latency, allocs < 1: herd lower)")
	fmt.Fprint(w, ratioTable(rep.Ratios))
}

func (rep *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func resultTable(results []*result) string {
	rows := [][]string{{"client", "C", "ops/s", "(min-max)", "p50 µs", "(min-max)",
		"p99 µs", "(min-max)", "mean µs", "allocs/op", "(min-max)", "errors"}}
	for _, r := range results {
		rows = append(rows, []string{r.Client, fmt.Sprint(r.Conc),
			kilo(r.OpsPerSec.Median), span(r.OpsPerSec, kilo),
			num(r.P50us.Median), span(r.P50us, num),
			num(r.P99us.Median), span(r.P99us, num), num(r.MeanUs.Median),
			num(r.AllocsPerOp.Median), span(r.AllocsPerOp, num), fmt.Sprint(r.Errors)})
	}
	return align(rows)
}

func ratioTable(rs []ratio) string {
	rows := [][]string{{"herd / anchor", "C", "ops/s", "mean lat", "p99", "allocs/op"}}
	for _, r := range rs {
		rows = append(rows, []string{r.Herd + " / " + r.Anchor, fmt.Sprint(r.Conc),
			fmt.Sprintf("%.2f", r.Ops), fmt.Sprintf("%.2f", r.Mean),
			fmt.Sprintf("%.2f", r.P99), fmt.Sprintf("%.2f", r.Allocs)})
	}
	return align(rows)
}

func kilo(x float64) string { return fmt.Sprintf("%.1fk", x/1000) }

func num(x float64) string {
	if x >= 100 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func span(s stat, f func(float64) string) string {
	return "(" + f(s.Min) + "-" + f(s.Max) + ")"
}

// align renders rows as columns two spaces apart: the first column to the
// left, the others to the right.
func align(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
