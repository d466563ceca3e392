package herd

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// ActorSystemLogger routes the actor system's own log output (protoactor's
// supervision and dead-letter lines) through logger, named "actor". Pass it
// to actor.NewActorSystem so one logger carries everything:
//
//	system := actor.NewActorSystem(herd.ActorSystemLogger(logger))
func ActorSystemLogger(logger hclog.Logger) actor.ConfigOption {
	return actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(&hclogHandler{log: logger.Named("actor")})
	})
}

// QuietActorSystem silences the actor system's own log output.
func QuietActorSystem() actor.ConfigOption {
	return actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	})
}

// hclogHandler is a slog.Handler that writes to an hclog.Logger.
type hclogHandler struct {
	log   hclog.Logger
	attrs []any
	group string
}

func (h *hclogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.GetLevel() <= hclogLevel(l)
}

func (h *hclogHandler) Handle(_ context.Context, r slog.Record) error {
	args := append([]any(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		args = append(args, h.group+a.Key, a.Value.Resolve().Any())
		return true
	})
	h.log.Log(hclogLevel(r.Level), r.Message, args...)
	return nil
}

func (h *hclogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := *h
	next.attrs = append([]any(nil), h.attrs...)
	for _, a := range attrs {
		next.attrs = append(next.attrs, h.group+a.Key, a.Value.Resolve().Any())
	}
	return &next
}

func (h *hclogHandler) WithGroup(name string) slog.Handler {
	next := *h
	next.group = h.group + name + "."
	return &next
}

func hclogLevel(l slog.Level) hclog.Level {
	switch {
	case l >= slog.LevelError:
		return hclog.Error
	case l >= slog.LevelWarn:
		return hclog.Warn
	case l >= slog.LevelInfo:
		return hclog.Info
	default:
		return hclog.Debug
	}
}
