package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// The local proxy (proxy_listen, proxy_upstream): the host runs one for
// an environment that gives both, forwarding what arrives on proxy_listen
// to proxy_upstream with the environment's token. `tokentray proxy`
// checks its --listen and --upstream with the same rules.

// ProxyListenProblem says what is wrong with a proxy listen address, or
// "": an IP literal on loopback and a port (0: any free one). A name such
// as localhost is refused: it may resolve to an address on another
// interface, and the proxy must never be reachable from the network.
func ProxyListenProblem(v string) string {
	shown := Printable(v, 0)
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Sprintf("must be a loopback address and port such as \"127.0.0.1:8181\" (got %q)", shown)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Sprintf("must be on a loopback IP address, 127.0.0.1 or [::1], so that only this machine can reach it (got %q)", shown)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be between 0 (any free port) and 65535 (got %q)", shown)
	}
	return ""
}

// ProxyUpstreamProblem says what is wrong with a proxy upstream, or "":
// an absolute http(s) URL, https unless its host is loopback, with at
// most a base path (no query, fragment or user information).
func ProxyUpstreamProblem(v string) string {
	shown := Printable(v, 0)
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Sprintf("must be an absolute URL such as \"https://api.example.com\" or \"https://api.example.com/v2\" (got %q)", shown)
	case !SecureEndpoint(u):
		return fmt.Sprintf("must be https:// unless the host is loopback: the proxy sends the token there (got %q)", shown)
	case u.User != nil:
		return fmt.Sprintf("must not carry user information (got %q)", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#"):
		return fmt.Sprintf("must not have a ?query or #fragment: requests to the proxy bring their own (got %q)", shown)
	}
	return ""
}

// HasProxy reports whether the host runs a proxy for e.
func (e Environment) HasProxy() bool { return e.ProxyListen != "" && e.ProxyUpstream != "" }

// proxyProblems is the rule between the two keys: both or neither.
func proxyProblems(e Environment) []keyProblem {
	switch {
	case e.ProxyListen != "" && e.ProxyUpstream == "":
		return []keyProblem{{"proxy_upstream", fmt.Sprintf("missing: proxy_listen = %q forwards to proxy_upstream: set it to the API's base URL, e.g. \"https://api.example.com\"", e.ProxyListen)}}
	case e.ProxyUpstream != "" && e.ProxyListen == "":
		return []keyProblem{{"proxy_listen", "missing: proxy_upstream is reached through proxy_listen: set it to a loopback address such as \"127.0.0.1:8181\""}}
	}
	return nil
}
