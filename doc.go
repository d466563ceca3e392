// Package herd makes a cluster of stateful nodes, such as a memcached or
// redis fleet, usable as one.
//
// For each node herd keeps a supervised pool of connections; it polls
// discovery to keep the node set current; and it sends each request to the
// node that owns its key, by consistent hashing unless another router is
// configured. It runs on the protoactor-go actor framework and mirrors
// Erlang/OTP supervision: a supervisor actor restarts a cluster actor,
// which polls discovery and supervises one pool actor per node, which
// supervises one worker actor per connection.
//
// # Use
//
//	system := actor.NewActorSystem()
//	h, err := herd.Start(system, herd.Config{
//		Backend:   memcached.New(memcached.Options{}),
//		Discovery: discovery.Static("10.0.0.1:11211", "10.0.0.2:11211"),
//	})
//	...
//	defer h.Stop()
//	err = h.Set(ctx, "greeting", []byte("hello"), time.Minute)
//	item, err := h.Get(ctx, "greeting")
//
// Actors can skip the Go client: send any request from package messages to
// h.PID() with ctx.Request and handle the *messages.Reply that comes back.
// To put the herd under one of your own actors, spawn h.Props() as its child
// instead of calling Start.
//
// # Replies
//
// Every request gets exactly one reply before its deadline: the context's,
// or Config.RequestTimeout when it has none. A failed request returns one of
// the errors below, wrapped with the node or cause where there is one; test
// with errors.Is.
//
// # Operations
//
// h.Stats() gives each node's calls, misses, errors by kind, latency,
// connections, queue depth and health, and the herd's membership epoch and
// discovery's last answer, from atomic counters the request path keeps;
// package metrics serves them to Prometheus. Every change of membership and
// of a node's health is published as a messages.Event on the actor
// system's event stream.
package herd
