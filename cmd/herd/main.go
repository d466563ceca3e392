// Command herd answers questions about herd's routing without a running
// herd: which node owns a key, and what a change of nodes would move.
//
//	herd owner -nodes LIST [-router NAME] [-next] [KEY ...]
//	herd plan  -nodes LIST [-router NAME] [-add LIST] [-remove LIST] [-keys N]
//
// LIST is comma-separated host:port entries, each with an optional
// "=weight": "10.0.0.1:11211,10.0.0.2:11211=2". NAME is one of hashring
// (the default), ketama, rendezvous and jump.
//
// owner prints one line per key, "KEY<TAB>OWNER", or with -next
// "KEY<TAB>OWNER<TAB>NEXT", NEXT being where the key goes should its owner
// be down or leave ("-" if nowhere). Without KEY arguments it reads keys
// from standard input, one a line.
//
// plan routes a sample of keys (key:0, key:1, ...) before and after adding
// the -add nodes (an address already present changes weight) and removing
// the -remove ones, and prints the share of keys that move, the ideal share
// (what the nodes that lose weight share give up), and each node's share of
// keys before and after ("-" where it is not a member).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks errors in how the command was called.
var errUsage = errors.New("herd: usage")

// usageError is a mistake in how the command was called: errors.Is matches
// it with errUsage, and with the error it wraps.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usageError of its own text.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const usage = `usage:
  herd owner -nodes LIST [-router NAME] [-next] [KEY ...]
  herd plan  -nodes LIST [-router NAME] [-add LIST] [-remove LIST] [-keys N]
LIST: host:port[=weight],...   NAME: hashring (default), ketama, rendezvous, jump
`

// run is the command with its arguments and streams; it returns the exit
// status: 0, 1 for a failure, 2 for a usage error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(args, stdin, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, usage)
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s\n%s", message(err), usage)
		return 2
	default:
		fmt.Fprintln(stderr, message(err))
		return 1
	}
}

// message is err's text with herd's "herd: " prefix, once.
func message(err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, "herd: ") {
		return msg
	}
	return "herd: " + err.Error()
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command")
	}
	switch args[0] {
	case "owner":
		return owner(args[1:], stdin, stdout, stderr)
	case "plan":
		return plan(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		return flag.ErrHelp
	}
	return usagef("unknown command %q", args[0])
}

// newFlags returns a flag set that reports errors through its caller.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args into fs, marking bad flags as usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
