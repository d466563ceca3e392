// Package embedded starts in-process redis nodes (miniredis) so that herd's
// examples run on a machine with no cache server installed. herd's own tests
// of the redis backend use a real redis-server instead.
package embedded

import (
	"github.com/alicebob/miniredis/v2"
)

// Redis starts n in-process redis nodes on 127.0.0.1 and returns their
// addresses and a function that stops them all.
func Redis(n int) (addrs []string, stop func(), err error) {
	var servers []*miniredis.Miniredis
	stop = func() {
		for _, s := range servers {
			s.Close()
		}
	}
	for i := 0; i < n; i++ {
		s, err := miniredis.Run()
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, s)
		addrs = append(addrs, s.Addr())
	}
	return addrs, stop, nil
}
