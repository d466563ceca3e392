package faultproxy_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/herd-go/herd/internal/faultproxy"
)

// A stalled reply is held, not lost: once the stall is cleared it reaches
// the client, late.
func Example() {
	// A stand-in server that echoes one connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = io.Copy(c, c)
			_ = c.Close()
		}
	}()

	p, err := faultproxy.Start(ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	_ = p.Set(faultproxy.Fault{Stall: true})
	fmt.Fprint(c, "ping\n")
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 5))
	fmt.Println("read during the stall times out:", errors.Is(err, os.ErrDeadlineExceeded))

	_ = p.Clear()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("after Clear: %q %v\n", line, err)
	// Output:
	// read during the stall times out: true
	// after Clear: "ping\n" <nil>
}
