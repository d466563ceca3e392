package discovery

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// Rejected is an entry Clean could not use.
type Rejected struct {
	// Entry is the address as discovery gave it, untrimmed.
	Entry string
	// Err says why. It wraps messages.ErrMalformedAddress.
	Err error
}

// Clean turns a discovery answer into a node set herd can use. Each address
// is normalised by NormalizeAddr; weight 0 becomes 1; a negative weight, or
// one over routing.MaxWeight, is rejected. When two entries normalise to
// the same address the first is kept and the later ones are rejected as
// duplicates, so that herd can say so. kept is sorted by address; rejected
// is in input order. Clean never fails as a whole: a bad entry costs only
// itself.
func Clean(nodes []routing.Node) (kept []routing.Node, rejected []Rejected) {
	first := make(map[string]string, len(nodes)) // address → entry that gave it
	for _, n := range nodes {
		addr, err := cleanNode(n)
		if prev, dup := first[addr]; err == nil && dup {
			err = malformed(n.Addr, "duplicate of %q", prev)
		}
		if err != nil {
			rejected = append(rejected, Rejected{Entry: n.Addr, Err: err})
			continue
		}
		first[addr] = n.Addr
		kept = append(kept, routing.Node{Addr: addr, Weight: max(n.Weight, 1)})
	}
	slices.SortFunc(kept, func(a, b routing.Node) int { return strings.Compare(a.Addr, b.Addr) })
	return kept, rejected
}

// cleanNode checks one entry's weight and returns its normalised address.
func cleanNode(n routing.Node) (string, error) {
	if n.Weight < 0 || n.Weight > routing.MaxWeight {
		return "", malformed(n.Addr, "weight %d is outside 0..%d", n.Weight, routing.MaxWeight)
	}
	return NormalizeAddr(n.Addr)
}

// NormalizeAddr returns s in the one form herd uses for a node address, or
// an error wrapping messages.ErrMalformedAddress. The rules:
//
//   - Surrounding white space is trimmed.
//   - s must be host:port, as net.SplitHostPort reads it.
//   - The port is decimal digits, 1 to 65535, with no sign and no leading
//     zero: "011211" is rejected rather than guessed at, since some tools
//     read a leading zero as octal.
//   - An IPv6 host must be in brackets ("[::1]:6379") and is written in its
//     canonical form ("[0:0::1]" becomes "[::1]"); zones are not accepted.
//     Brackets around anything else are rejected.
//   - A host of digits and dots must be an IPv4 address, without leading
//     zeros in any part.
//   - Any other host is a DNS name: ASCII letters, digits, '-' and '_' in
//     dot-separated labels of 1 to 63 characters, 253 at most in all. It is
//     lower-cased, and one trailing dot is dropped.
//
// NormalizeAddr is idempotent: normalising its output gives the same string.
func NormalizeAddr(s string) (string, error) {
	entry := s
	s = strings.TrimSpace(s)
	if s == "" {
		return "", malformed(entry, "empty address")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", malformed(entry, "%s", splitReason(err))
	}
	if err := checkPort(port); err != nil {
		return "", malformed(entry, "%v", err)
	}
	host, err = normalizeHost(host, strings.HasPrefix(s, "["))
	if err != nil {
		return "", malformed(entry, "%v", err)
	}
	return net.JoinHostPort(host, port), nil
}

// malformed builds a rejection that wraps messages.ErrMalformedAddress.
func malformed(entry, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return fmt.Errorf("%w %q: %s", messages.ErrMalformedAddress, entry, reason)
}

// splitReason is net.SplitHostPort's complaint without the address, which
// malformed already quotes.
func splitReason(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}
