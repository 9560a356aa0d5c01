package manager

import (
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
)

func TestCallbackPeerUIDIsOurOwnOnBothLoopbacks(t *testing.T) {
	if !callbackPeerCheck {
		t.Skip("no peer lookup on this platform")
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v (no such loopback here)", addr, err)
			continue
		}
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		uid, err := callbackPeerUID(s)
		if err != nil || uid != os.Getuid() {
			t.Errorf("%s: peer uid %d, %v; want %d", addr, uid, err, os.Getuid())
		}
		c.Close()
		s.Close()
		ln.Close()
	}
}

// TestCallbackGuardHandsOnAtMostTheCap: a flood of the user's own
// connections is served a few at a time, the rest wait in the backlog.
func TestCallbackGuardHandsOnAtMostTheCap(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := newCallbackGuard(slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	ln := g.wrap(inner)
	defer ln.Close()
	for range callbackMaxConns + 10 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var held []net.Conn
	for len(held) < callbackMaxConns {
		select {
		case c := <-accepted:
			held = append(held, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d connections handed on", len(held))
		}
	}
	select {
	case <-accepted:
		t.Fatalf("more than %d connections handed on at once", callbackMaxConns)
	case <-time.After(200 * time.Millisecond):
	}
	held[0].Close() // frees a slot
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("a freed slot was not reused")
	}
	for _, c := range held[1:] {
		c.Close()
	}
	g.close()
}
