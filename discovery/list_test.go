package discovery

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/herd-go/herd/routing"
)

func TestParseList(t *testing.T) {
	want := []routing.Node{{Addr: "a:1", Weight: 1}, {Addr: "b:2", Weight: 3}, {Addr: "", Weight: 0}}
	for name, text := range map[string]string{
		"json":      `["a:1", {"addr": "b:2", "weight": 3}, {}]`,
		"yaml":      "- a:1\n- addr: b:2\n  weight: 3\n- {}\n",
		"yaml flow": `[a:1, {addr: "b:2", weight: 3}, {}]x`,
	} {
		got, err := ParseList([]byte(text))
		if name == "yaml flow" {
			// Starts with '[', so it is read as JSON, and it is not JSON.
			if !errors.Is(err, ErrBadList) {
				t.Errorf("%s: %v, %v; want ErrBadList", name, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
}

func TestParseListEmpty(t *testing.T) {
	for _, text := range []string{"", "  \n", "# nothing yet\n", "[]", "~"} {
		got, err := ParseList([]byte(text))
		if err != nil || len(got) != 0 {
			t.Errorf("%q: %v, %v; want an empty list", text, got, err)
		}
	}
}

func TestParseListRejects(t *testing.T) {
	for _, text := range []string{
		`["a:1",`,                      // cut short
		`[{"addr": "a:1", "port": 2}]`, // unknown field
		`[{"addr": "a:1", "weight": "x"}]`,
		`[1]`,
		"nodes: [a:1]\n", // a map, not a list
		"- addr: a:1\n  weight: heavy\n",
		"- addr: a:1\n  zone: x\n",
		"- [a:1]\n",
		"- a:1\n\t- b:1\n",
		"[" + strings.Repeat(`"a:1",`, MaxListEntries) + `"a:1"]`,
		strings.Repeat(" ", MaxListSize+1),
	} {
		if got, err := ParseList([]byte(text)); !errors.Is(err, ErrBadList) {
			t.Errorf("%.40q: %v, %v; want ErrBadList", text, got, err)
		}
	}
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		`["a:1", {"addr": "b:2", "weight": 3}]`, "- a:1\n- addr: b:2\n  weight: 3\n",
		"", "~", "- &x a:1\n- *x\n", `[{"addr": 1}]`, "- {addr: a, weight: 99999999999999999999}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, err := ParseList(data)
		if err != nil {
			if !errors.Is(err, ErrBadList) {
				t.Fatalf("ParseList: %v does not wrap ErrBadList", err)
			}
			return
		}
		if len(nodes) > MaxListEntries {
			t.Fatalf("ParseList gave %d entries", len(nodes))
		}
		Clean(nodes) // whatever the list holds, cleaning it must not panic
	})
}
