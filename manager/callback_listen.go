package manager

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"

	"github.com/tokentray/tokentray/config"
)

// listenLoopback listens where the redirect URI says, or on any free
// loopback port when none is configured. For "localhost" it listens on
// every loopback address the name can mean (127.0.0.1 and ::1, same port):
// a browser may pick either, and an address left free is one another user
// could bind to receive the code and state.
func listenLoopback(configured string) ([]net.Listener, *url.URL, error) {
	if configured == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen for the authorization callback: %w", err)
		}
		u := &url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/callback"}
		return []net.Listener{ln}, u, nil
	}
	u, err := url.Parse(configured)
	if err != nil {
		return nil, nil, fmt.Errorf("redirect_uri %q: %w", config.Printable(configured, 0), err)
	}
	if u.Scheme != "http" || !config.IsLoopbackHost(u.Hostname()) {
		return nil, nil, fmt.Errorf("redirect_uri %q: must be http:// on a loopback address", config.Printable(configured, 0))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if u.Hostname() != "localhost" {
		ln, err := net.Listen("tcp", u.Host)
		if err != nil {
			return nil, nil, fmt.Errorf("listen on redirect_uri %s (is another program using the port?): %w", configured, err)
		}
		return []net.Listener{ln}, u, nil
	}
	lns, port, err := listenLocalhost(u.Port(), u.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on redirect_uri %s: %w", configured, err)
	}
	u.Host = net.JoinHostPort("localhost", strconv.Itoa(port))
	return lns, u, nil
}

// listenLocalhost binds 127.0.0.1 and ::1 on one port (a free one when port
// is "" or "0"). ::1 is skipped only when the machine has no IPv6 loopback,
// for then nobody else can bind it either.
func listenLocalhost(port, path string) ([]net.Listener, int, error) {
	anyPort := port == "" || port == "0"
	for attempt := 0; ; attempt++ {
		v4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			return nil, 0, fmt.Errorf("127.0.0.1 (is another program using the port?): %w", err)
		}
		p := v4.Addr().(*net.TCPAddr).Port
		v6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(p)))
		switch {
		case err == nil:
			return []net.Listener{v4, v6}, p, nil
		case errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT):
			return []net.Listener{v4}, p, nil
		}
		v4.Close()
		if anyPort && errors.Is(err, syscall.EADDRINUSE) && attempt < 3 {
			continue
		}
		return nil, 0, fmt.Errorf("[::1]:%d is taken by another program, which would receive the sign-in when the browser picks IPv6 for localhost; "+
			"register http://127.0.0.1:%d%s with the provider and set it as redirect_uri, as RFC 8252 (section 8.3) advises: %w", p, p, path, err)
	}
}
