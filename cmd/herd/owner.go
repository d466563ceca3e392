package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/herd-go/herd/routing"
)

// owner prints the owner of each key, and with -next its successor.
func owner(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("owner", stderr)
	list := fs.String("nodes", "", "the nodes: host:port[=weight],...")
	name := fs.String("router", routing.RouterHashRing, "the router")
	next := fs.Bool("next", false, "also print where each key goes should its owner be gone")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r, err := buildRouter(*name, *list)
	if err != nil {
		return err
	}

	out := bufio.NewWriter(stdout)
	each := func(key string) error { return printOwner(out, r, key, *next) }
	if fs.NArg() > 0 {
		for _, key := range fs.Args() {
			if err := each(key); err != nil {
				return err
			}
		}
	} else if err := eachLine(stdin, each); err != nil {
		return err
	}
	return out.Flush()
}

// buildRouter builds the router called name over the node list.
func buildRouter(name, list string) (routing.Router, error) {
	build, err := routing.ByName(name)
	if err != nil {
		return nil, usageError{err}
	}
	nodes, err := parseNodes(list)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, usagef("-nodes is required")
	}
	return build(nodes)
}

// printOwner writes one line for key: KEY, OWNER and, with next, NEXT.
func printOwner(w io.Writer, r routing.Router, key string, next bool) error {
	if !next {
		n, err := r.Lookup(key)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\t%s\n", key, n.Addr)
		return err
	}
	succ, err := r.(routing.Successors).Successors(key, 2)
	if err != nil {
		return err
	}
	after := "-"
	if len(succ) > 1 {
		after = succ[1].Addr
	}
	_, err = fmt.Fprintf(w, "%s\t%s\t%s\n", key, succ[0].Addr, after)
	return err
}

// eachLine calls f with each non-empty line of r, without its line end.
func eachLine(r io.Reader, f func(string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
			if err := f(line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
