package main

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// herd runs the command in-process and returns its exit status and output.
func herd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const threeNodes = "10.0.0.1:11211,10.0.0.2:11211=2,10.0.0.3:11211"

// TestOwner: one "KEY<TAB>OWNER" line per key, in order, each owner the
// one the router gives, for every router.
func TestOwner(t *testing.T) {
	nodes, _ := parseNodes(threeNodes)
	keys := []string{"user:1", "user:2", "session:abc", "x"}
	for _, name := range routing.Names() {
		t.Run(name, func(t *testing.T) {
			build, _ := routing.ByName(name)
			r, _ := build(nodes)
			code, out, errOut := herd(t, "", append([]string{"owner", "-router", name,
				"-nodes", threeNodes}, keys...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(keys) {
				t.Fatalf("%d lines for %d keys:\n%s", len(lines), len(keys), out)
			}
			for i, line := range lines {
				want, _ := r.Lookup(keys[i])
				if line != keys[i]+"\t"+want.Addr {
					t.Errorf("line %d = %q, want %q", i, line, keys[i]+"\t"+want.Addr)
				}
			}
		})
	}
}

// TestOwnerNextFromStdin: without key arguments the keys come from
// standard input, and -next adds the node the key goes to without its
// owner.
func TestOwnerNextFromStdin(t *testing.T) {
	nodes, _ := parseNodes(threeNodes)
	code, out, errOut := herd(t, "a\r\n\nb\nc\n", "owner", "-router", "ketama", "-next",
		"-nodes", threeNodes)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	line := regexp.MustCompile(`^(\S+)\t(\S+)\t(\S+)$`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got:\n%s", out)
	}
	for i, l := range lines {
		m := line.FindStringSubmatch(l)
		if m == nil || m[1] != []string{"a", "b", "c"}[i] {
			t.Fatalf("line %q is not KEY<TAB>OWNER<TAB>NEXT for key %d", l, i)
		}
		var rest []routing.Node
		for _, n := range nodes {
			if n.Addr != m[2] {
				rest = append(rest, n)
			}
		}
		without, _ := routing.NewKetama(rest)
		if n, _ := without.Lookup(m[1]); n.Addr != m[3] || m[2] == m[3] {
			t.Errorf("%s: next %s, but without %s it goes to %s", m[1], m[3], m[2], n.Addr)
		}
	}

	// A single node has nowhere else to go.
	_, out, _ = herd(t, "", "owner", "-next", "-nodes", "10.0.0.9:11211", "k")
	if out != "k\t10.0.0.9:11211\t-\n" {
		t.Errorf("one node: %q", out)
	}
}

var planLine = regexp.MustCompile(`^(\S+)\s+(-|\d+\.\d\d%)\s+(-|\d+\.\d\d%)$`)

// TestPlan: the header, the moved share as the routers measure it, the
// ideal share, and a row per node whose shares add up to 100%.
func TestPlan(t *testing.T) {
	code, out, errOut := herd(t, "", "plan", "-router", "rendezvous", "-keys", "20000",
		"-nodes", threeNodes, "-add", "10.0.0.4:11211", "-remove", "10.0.0.3:11211")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3+4 || lines[0] != "router rendezvous, 20000 sample keys" {
		t.Fatalf("unexpected plan:\n%s", out)
	}

	// Count the moves the same way, key by key.
	before, _ := parseNodes(threeNodes)
	after, _ := parseNodes("10.0.0.1:11211,10.0.0.2:11211=2,10.0.0.4:11211")
	rb, _ := routing.NewRendezvous(before)
	ra, _ := routing.NewRendezvous(after)
	moved := 0
	for i := range 20000 {
		key := "key:" + strconv.Itoa(i)
		b, _ := rb.Lookup(key)
		a, _ := ra.Lookup(key)
		if a != b {
			moved++
		}
	}
	// Shares before 1/4, 1/2, 1/4; after the same, with 10.0.0.4 in 10.0.0.3's place.
	want := fmt.Sprintf("moved: %s of keys (ideal 25.00%%)", percent(float64(moved)/20000))
	if lines[1] != want {
		t.Errorf("line 2 = %q, want %q", lines[1], want)
	}
	if !regexp.MustCompile(`^node\s+before\s+after$`).MatchString(lines[2]) {
		t.Errorf("header %q", lines[2])
	}

	sums := [2]float64{}
	dashes := map[string]int{}
	for _, l := range lines[3:] {
		m := planLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("row %q is not NODE BEFORE AFTER", l)
		}
		for i, cell := range m[2:] {
			if cell == "-" {
				dashes[m[1]] = i + 1
				continue
			}
			v, _ := strconv.ParseFloat(strings.TrimSuffix(cell, "%"), 64)
			sums[i] += v
		}
	}
	for i, s := range sums {
		if s < 99.98 || s > 100.02 {
			t.Errorf("column %d adds up to %.2f%%", i, s)
		}
	}
	if dashes["10.0.0.3:11211"] != 2 || dashes["10.0.0.4:11211"] != 1 || len(dashes) != 2 {
		t.Errorf("'-' should mark 10.0.0.3 after and 10.0.0.4 before: %v", dashes)
	}
}

// TestPlanWeightChange: -add with an address already present changes its
// weight.
func TestPlanWeightChange(t *testing.T) {
	code, out, _ := herd(t, "", "plan", "-keys", "1000", "-nodes", "a.herd:1,b.herd:1",
		"-add", "b.herd:1=3")
	if code != 0 || !strings.Contains(out, "(ideal 25.00%)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestCommandErrors: bad input gets a message, a non-zero status, and for
// misuse the usage text.
func TestCommandErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "no command"},
		{[]string{"route"}, 2, `unknown command "route"`},
		{[]string{"owner", "k"}, 2, "-nodes is required"},
		{[]string{"owner", "-router", "modulo", "-nodes", "a:1", "k"}, 2, "unknown router"},
		{[]string{"owner", "-nodes", "a", "k"}, 1, "malformed node address"},
		{[]string{"owner", "-nodes", "a:1=x", "k"}, 1, "weight out of range"},
		{[]string{"owner", "-nodes", "a:1,a:1", "k"}, 1, "listed twice"},
		{[]string{"owner", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"plan", "-nodes", "a:1", "-remove", "b:1"}, 1, "not one of the nodes"},
		{[]string{"plan", "-nodes", "a:1", "-remove", "a:1"}, 2, "must leave a node"},
		{[]string{"plan", "-nodes", "a:1", "-keys", "0"}, 2, "-keys at least 1"},
	}
	for _, c := range cases {
		code, _, errOut := herd(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.msg)
		}
		if hasUsage := strings.Contains(errOut, "usage:"); hasUsage != (c.code == 2) {
			t.Errorf("%v: usage shown %v with exit %d", c.args, hasUsage, code)
		}
	}
	if code, _, errOut := herd(t, "", "help"); code != 0 || !strings.Contains(errOut, "herd plan") {
		t.Errorf("help: exit %d, %q", code, errOut)
	}
}

func TestParseNodes(t *testing.T) {
	nodes, err := parseNodes(" 10.0.0.1:11211 , Cache.Example:22122=3,[0:0::1]:6379=1")
	want := []routing.Node{{Addr: "10.0.0.1:11211", Weight: 1},
		{Addr: "cache.example:22122", Weight: 3}, {Addr: "[::1]:6379", Weight: 1}}
	if err != nil || fmt.Sprint(nodes) != fmt.Sprint(want) {
		t.Errorf("parseNodes = %v, %v; want %v", nodes, err, want)
	}
	for in, target := range map[string]error{
		"a:1,":      messages.ErrMalformedAddress,
		"a:99999":   messages.ErrMalformedAddress,
		"a:1=0":     routing.ErrBadWeight,
		"a:1=101":   routing.ErrBadWeight,
		"a:1=-2":    routing.ErrBadWeight,
		"a:1=2=3":   routing.ErrBadWeight,
		"A:1,a:1=2": messages.ErrMalformedAddress,
	} {
		if _, err := parseNodes(in); !errors.Is(err, target) {
			t.Errorf("parseNodes(%q) = %v, want %v", in, err, target)
		}
	}
	if nodes, err := parseNodes("  "); err != nil || nodes != nil {
		t.Errorf("empty list: %v, %v", nodes, err)
	}
}
