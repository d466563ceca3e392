package herd_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
)

// watched is a herd under test whose every output an operator could see is
// kept: herd's log and protoactor's (through the same logger, at Trace),
// every event on the actor system's stream, and every error and health
// snapshot the test hands to note. Tests search it all for secrets.
type watched struct {
	*env
	mu   sync.Mutex
	seen strings.Builder
}

// watchedEnv is newEnv with everything captured.
func watchedEnv(t *testing.T, backend backends.Backend, addrs ...string) (*watched, herd.Config) {
	t.Helper()
	w := &watched{env: &env{t: t, disc: discovery.NewManual(addrs...), log: &syncBuffer{},
		events: make(chan any, 1024)}}
	logger := hclog.New(&hclog.LoggerOptions{Name: "herd", Level: hclog.Trace, Output: w.log})
	w.system = actor.NewActorSystem(herd.ActorSystemLogger(logger))
	sub := w.system.EventStream.Subscribe(func(evt any) {
		w.note(evt)
		select {
		case w.events <- evt:
		default:
		}
	})
	t.Cleanup(func() { w.system.EventStream.Unsubscribe(sub) })
	return w, herd.Config{
		Backend:      backend,
		Discovery:    w.disc,
		PoolSize:     2,
		PollInterval: time.Hour,
		Logger:       logger,
	}
}

// note keeps v formatted every way fmt can, and, for an error, its chain.
func (w *watched) note(v any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		fmt.Fprintf(&w.seen, verb+"\n", v)
	}
}

// output is everything seen: the log, and what note kept.
func (w *watched) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.log.String() + w.seen.String()
}

// noSecrets fails the test if any secret appears in anything the herd
// showed.
func (w *watched) noSecrets(secrets ...string) {
	w.t.Helper()
	out := w.output()
	for _, s := range secrets {
		if i := strings.Index(out, s); i >= 0 {
			from, to := max(i-200, 0), min(i+len(s)+200, len(out))
			w.t.Errorf("secret %q appears in herd's output: ...%s...", s, out[from:to])
		}
	}
}

// shows fails the test unless the output holds each of wants: proof that
// what was searched for secrets is what the scenario produced.
func (w *watched) shows(wants ...string) {
	w.t.Helper()
	out := w.output()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			w.t.Errorf("herd's output lacks %q:\n%s", want, w.log.String())
		}
	}
}

// redisAdmin is a connection of herd's own redis backend, used to read a
// server's counters.
type redisAdmin struct {
	t    *testing.T
	conn backends.Conn
}

func newRedisAdmin(t *testing.T, addr string, opts redis.Options) *redisAdmin {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := redis.New(opts).Dial(ctx, addr)
	if err != nil {
		t.Fatalf("admin connection to %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &redisAdmin{t: t, conn: c}
}

// do sends one command and returns its raw reply.
func (a *redisAdmin) do(command string, args ...any) any {
	a.t.Helper()
	req := &messages.Do{Key: "admin", Command: command, Args: args}
	var rep messages.Reply
	err := a.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err == nil {
		err = a.conn.Write(req)
	}
	if err == nil {
		err = a.conn.Flush()
	}
	if err == nil {
		err = a.conn.Read(req, &rep)
	}
	if err == nil {
		err = rep.Err
	}
	if err != nil {
		a.t.Fatalf("admin %s: %v", command, err)
	}
	return rep.Result
}

// connections returns the server's total_connections_received.
func (a *redisAdmin) connections() int {
	a.t.Helper()
	info, _ := a.do("INFO", "stats").([]byte)
	for _, line := range strings.Split(string(info), "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_connections_received:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				a.t.Fatalf("INFO stats: %q", line)
			}
			return n
		}
	}
	a.t.Fatalf("INFO stats has no total_connections_received:\n%s", info)
	return 0
}

// authFailures returns how many AUTH attempts the server refused, from its
// ACL LOG: each entry counts the failures alike.
func (a *redisAdmin) authFailures() int {
	a.t.Helper()
	entries, _ := a.do("ACL", "LOG", "128").([]any)
	total := 0
	for _, e := range entries {
		fields, _ := e.([]any)
		var reason string
		var count int64
		for i := 0; i+1 < len(fields); i += 2 {
			switch name, _ := fields[i].([]byte); string(name) {
			case "reason":
				r, _ := fields[i+1].([]byte)
				reason = string(r)
			case "count":
				count, _ = fields[i+1].(int64)
			}
		}
		if reason == "auth" {
			total += int(count)
		}
	}
	return total
}
