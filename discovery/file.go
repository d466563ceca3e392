package discovery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/herd-go/herd/routing"
)

// DefaultFileCheck is how often a FileSource checks its file when the
// system cannot notify it of changes.
const DefaultFileCheck = time.Second

// FileOptions tune a FileSource. The zero value is usable.
type FileOptions struct {
	// CheckInterval is how often the file's size, time and identity are
	// checked when file-system notification is not available (or fails to
	// start). Default DefaultFileCheck, 1 s.
	CheckInterval time.Duration
}

// FileSource is a Discovery that reads a node list from a file, in the
// format ParseList describes. It is also a Watcher: herd rereads the file
// as soon as the file system reports a change (fsnotify), or, where that is
// not available, within CheckInterval of one. Replacing the file by rename,
// as editors and deploy tools do, is seen too, since the file's directory
// is watched rather than the file.
//
// A file that cannot be read or parsed is an error, and an empty file an
// empty answer: either way herd keeps the last good set, so a file caught
// half-written costs nothing.
type FileSource struct {
	path  string
	check time.Duration
}

// File returns a source that reads path on every query.
func File(path string, opts FileOptions) *FileSource {
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = DefaultFileCheck
	}
	return &FileSource{path: path, check: opts.CheckInterval}
}

// Nodes reads and parses the file.
func (f *FileSource) Nodes(ctx context.Context) ([]routing.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxListSize+1))
	if err != nil {
		return nil, err
	}
	nodes, err := ParseList(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return nodes, nil
}

// Watch notifies on every change to the file until ctx is done.
func (f *FileSource) Watch(ctx context.Context, notify func()) error {
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(filepath.Dir(f.path))
		if err == nil {
			defer w.Close()
			notify() // the file may have changed before the watch began
			return f.follow(ctx, w, notify)
		}
		w.Close()
	}
	return f.poll(ctx, notify)
}

// follow passes on the file system's events for the file's name.
func (f *FileSource) follow(ctx context.Context, w *fsnotify.Watcher, notify func()) error {
	base := filepath.Base(f.path)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.Events:
			if !ok {
				return f.poll(ctx, notify)
			}
			if filepath.Base(ev.Name) == base || isSymlink(f.path) {
				notify()
			}
		case _, ok := <-w.Errors:
			if !ok {
				return f.poll(ctx, notify)
			}
			notify() // events may have been lost: look
		}
	}
}

// isSymlink reports whether path is a symbolic link, as when the file is
// mounted from a Kubernetes ConfigMap, whose updates swap a link in the
// directory rather than write the file.
func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// poll checks the file every CheckInterval and notifies when its size,
// modification time or identity changed.
func (f *FileSource) poll(ctx context.Context, notify func()) error {
	t := time.NewTicker(f.check)
	defer t.Stop()
	last, _ := os.Stat(f.path)
	notify() // the file may have changed before the checks began
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		now, _ := os.Stat(f.path)
		if changed(last, now) {
			notify()
		}
		last = now
	}
}

func changed(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return (a == nil) != (b == nil)
	}
	return a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime()) || !os.SameFile(a, b)
}
