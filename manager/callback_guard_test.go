package manager

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCallbackGuardHandsOnOnlyTheUsersOwnConnections: the guard asks
// Options.CallbackPeerUID who connected; only tokentray's own uid reaches
// the handler, another user's and an unknown owner get the 403 page.
func TestCallbackGuardHandsOnOnlyTheUsersOwnConnections(t *testing.T) {
	for _, tc := range []struct {
		name    string
		peerUID func(net.Conn) (int, error)
		handed  bool
	}{
		{"own user", func(net.Conn) (int, error) { return os.Getuid(), nil }, true},
		{"another user", func(net.Conn) (int, error) { return os.Getuid() + 1, nil }, false},
		{"owner unknown", func(net.Conn) (int, error) { return -1, errors.New("not in the table") }, false},
		{"no check on this platform", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			g := newCallbackGuard(slog.New(slog.NewTextHandler(io.Discard, nil)), "test", tc.peerUID)
			ln := g.wrap(inner)
			accepted := make(chan net.Conn, 1)
			go func() {
				if c, err := ln.Accept(); err == nil {
					accepted <- c
				}
			}()
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = io.WriteString(c, "GET /callback HTTP/1.1\r\nHost: x\r\n\r\n")
			if tc.handed {
				select {
				case s := <-accepted:
					s.Close()
				case <-time.After(5 * time.Second):
					t.Fatal("the user's own connection was not handed on")
				}
			} else {
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				page, _ := io.ReadAll(c)
				if !strings.HasPrefix(string(page), "HTTP/1.1 403 ") || !strings.Contains(string(page), refusalPage) {
					t.Errorf("refused connection got %q, want the 403 page", page)
				}
				select {
				case s := <-accepted:
					s.Close()
					t.Error("a refused connection was handed on")
				default:
				}
			}
			ln.Close()
			g.close()
		})
	}
}

// TestCallbackGuardHandsOnAtMostTheCap: a flood of the user's own
// connections is served a few at a time, the rest wait in the backlog.
func TestCallbackGuardHandsOnAtMostTheCap(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := newCallbackGuard(slog.New(slog.NewTextHandler(io.Discard, nil)), "test", nil)
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
