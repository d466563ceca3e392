package discovery

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/herd-go/herd/routing"
)

// Limits on a node list from outside, so a wrong or hostile file cannot
// make herd allocate without bound.
const (
	// MaxListSize is the largest node list File reads, in bytes.
	MaxListSize = 1 << 20
	// MaxListEntries is the most entries a node list may hold.
	MaxListEntries = 10000
)

// ParseList reads a node list in JSON or YAML. The list is a sequence whose
// entries are either an address or an object with "addr" and an optional
// "weight":
//
//	["10.0.0.1:11211", {"addr": "10.0.0.2:11211", "weight": 2}]
//
//	- 10.0.0.1:11211
//	- addr: 10.0.0.2:11211
//	  weight: 2
//
// Text whose first non-blank character is '[' is read as JSON, anything
// else as YAML. Empty text, or an empty YAML document, is an empty list.
// Addresses are not checked here: herd cleans the answer (see Clean), so a
// malformed address costs only its own entry. Anything else that is wrong,
// such as an unknown field, a weight that is not an integer, or a list over
// MaxListSize or MaxListEntries, fails the whole list with an error wrapping
// ErrBadList.
func ParseList(data []byte) ([]routing.Node, error) {
	if len(data) > MaxListSize {
		return nil, fmt.Errorf("%w: %d bytes, over %d", ErrBadList, len(data), MaxListSize)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return parseJSON(trimmed)
	}
	return parseYAML(data)
}

// entry is one node of a list written as an object.
type entry struct {
	Addr   string `json:"addr" yaml:"addr"`
	Weight int    `json:"weight" yaml:"weight"`
}

func parseJSON(data []byte) ([]routing.Node, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadList, err)
	}
	if len(raw) > MaxListEntries {
		return nil, tooMany(len(raw))
	}
	nodes := make([]routing.Node, 0, len(raw))
	for i, r := range raw {
		n, err := parseJSONEntry(r)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrBadList, i, err)
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// parseJSONEntry reads a string or an {"addr", "weight"} object.
func parseJSONEntry(r json.RawMessage) (routing.Node, error) {
	var addr string
	if err := json.Unmarshal(r, &addr); err == nil {
		return routing.Node{Addr: addr, Weight: 1}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.DisallowUnknownFields()
	var e entry
	if err := dec.Decode(&e); err != nil {
		return routing.Node{}, err
	}
	if dec.More() {
		return routing.Node{}, fmt.Errorf("text after the entry")
	}
	return routing.Node{Addr: e.Addr, Weight: e.Weight}, nil
}

func parseYAML(data []byte) ([]routing.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadList, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // empty document
	}
	seq := doc.Content[0]
	if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
		return nil, nil
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%w: line %d: want a list of nodes", ErrBadList, seq.Line)
	}
	if len(seq.Content) > MaxListEntries {
		return nil, tooMany(len(seq.Content))
	}
	nodes := make([]routing.Node, 0, len(seq.Content))
	for _, item := range seq.Content {
		n, err := parseYAMLEntry(item)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadList, item.Line, err)
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// parseYAMLEntry reads a scalar address or an addr/weight mapping.
func parseYAMLEntry(item *yaml.Node) (routing.Node, error) {
	switch item.Kind {
	case yaml.ScalarNode:
		return routing.Node{Addr: item.Value, Weight: 1}, nil
	case yaml.MappingNode:
		var e entry
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return routing.Node{}, fmt.Errorf("%q is not a plain value", k.Value)
			}
			switch k.Value {
			case "addr":
				e.Addr = v.Value
			case "weight":
				if err := v.Decode(&e.Weight); err != nil {
					return routing.Node{}, fmt.Errorf("weight %q is not an integer", v.Value)
				}
			default:
				return routing.Node{}, fmt.Errorf("unknown field %q", k.Value)
			}
		}
		return routing.Node{Addr: e.Addr, Weight: e.Weight}, nil
	}
	return routing.Node{}, fmt.Errorf("an entry is an address or an addr/weight map")
}

func tooMany(n int) error {
	return fmt.Errorf("%w: %d entries, over %d", ErrBadList, n, MaxListEntries)
}
