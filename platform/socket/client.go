package socket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/config"
)

// ErrNotRunning means nothing answers on the socket: no tokentray runs
// there (no socket file, or a file left by a crashed run).
var ErrNotRunning = errors.New("no running tokentray")

// NotRunningError says which socket nobody answers on; it matches
// ErrNotRunning with errors.Is.
type NotRunningError struct {
	Path string
	Err  error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("no running tokentray on %s", e.Path)
}
func (e *NotRunningError) Is(target error) bool { return target == ErrNotRunning }
func (e *NotRunningError) Unwrap() error        { return e.Err }

// Client talks to a running tokentray over its unix socket.
type Client struct {
	Path string
	hc   *http.Client

	// start, when set (StartWhenNotRunning), is called once when nothing
	// answers on the socket; the dial is then tried again.
	start     func(ctx context.Context) error
	startOnce sync.Once
	startErr  error
}

// NewClient returns a client of the socket at path. Calls other than
// Events give up after timeout (0: one minute).
func NewClient(path string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = time.Minute
	}
	c := &Client{Path: path}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		// Every connection, so every command and the window, first checks
		// that the socket is this user's own (trust.go).
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := dialTrusted(ctx, dialer, path, os.Getuid())
			if err == nil || c.start == nil || !notRunning(err) {
				return conn, err
			}
			c.startOnce.Do(func() { c.startErr = c.start(ctx) })
			if c.startErr != nil {
				return nil, c.startErr
			}
			return dialTrusted(ctx, dialer, path, os.Getuid())
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	c.hc = &http.Client{Transport: tr, Timeout: timeout}
	return c
}

// StartWhenNotRunning makes the client call start (once) when nothing
// answers on the socket, and then try again: a command starts the
// tokentray it needs. A socket that is not to be trusted is never a
// reason: its error stands.
func (c *Client) StartWhenNotRunning(start func(ctx context.Context) error) { c.start = start }

// StartError says a tokentray was needed, none ran, and none could be
// started.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Close drops idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Environments is GET /v1/environments.
func (c *Client) Environments(ctx context.Context) ([]Status, error) {
	var out []Status
	return out, c.do(ctx, http.MethodGet, "/v1/environments", nil, &out)
}

// Environment is GET /v1/environments/{name}.
func (c *Client) Environment(ctx context.Context, name string) (Status, error) {
	var out Status
	return out, c.do(ctx, http.MethodGet, envPath(name, ""), nil, &out)
}

// Token is GET /v1/environments/{name}/token?min_valid=...
func (c *Client) Token(ctx context.Context, name string, minValid time.Duration) (TokenAnswer, error) {
	return c.TokenWith(ctx, name, TokenOptions{MinValid: minValid})
}

// TokenOptions are what a token read may ask for besides the token.
type TokenOptions struct {
	MinValid time.Duration // refreshed first if it would expire sooner
	// For names the request the token is for, as "METHOD URL" says it:
	// for a DPoP-bound token the answer carries a proof for it (DPoP).
	HTM, HTU string
	// DPoPNonce is the DPoP-Nonce the resource server answered last; ""
	// takes the latest one tokentray knows of.
	DPoPNonce string
	// Force refreshes first: POST .../refresh instead of GET .../token.
	Force bool
	// Proxied names the loopback connection of a program to the local
	// proxy (`tokentray proxy`) that the token is for: tokentray checks
	// that this process holds the proxy's end, and logs and guards the
	// read as that program's, via the proxy.
	Proxied *ProxiedConn
}

// ProxiedConn is one connection to the local proxy by the inodes of its
// two sockets, as the kernel's TCP table lists them.
type ProxiedConn struct {
	ProxySocket  uint64 // the proxy's end: the socket it accepted
	ClientSocket uint64 // the end of the program that connected
}

// TokenWith is GET /v1/environments/{name}/token (POST .../refresh with
// Force) with o as the query: ?min_valid=...&htm=...&htu=...&dpop_nonce=...
// and, for the proxy, &via=proxy&proxy_socket=...&client_socket=...
func (c *Client) TokenWith(ctx context.Context, name string, o TokenOptions) (TokenAnswer, error) {
	q := url.Values{}
	if o.MinValid > 0 {
		q.Set("min_valid", o.MinValid.String())
	}
	for k, v := range map[string]string{"htm": o.HTM, "htu": o.HTU, "dpop_nonce": o.DPoPNonce} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.Proxied != nil {
		q.Set("via", "proxy")
		q.Set("proxy_socket", strconv.FormatUint(o.Proxied.ProxySocket, 10))
		q.Set("client_socket", strconv.FormatUint(o.Proxied.ClientSocket, 10))
	}
	method, p := http.MethodGet, envPath(name, "/token")
	if o.Force {
		method, p = http.MethodPost, envPath(name, "/refresh")
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var out TokenAnswer
	return out, c.do(ctx, method, p, nil, &out)
}

// ParseFor splits what `--for "METHOD URL"` says into htm and htu.
func ParseFor(request string) (htm, htu string, err error) {
	htm, htu, ok := strings.Cut(strings.TrimSpace(request), " ")
	htu = strings.TrimSpace(htu)
	if !ok || htm == "" || htu == "" || strings.ContainsAny(htu, " \t") {
		return "", "", fmt.Errorf("--for takes the request as \"METHOD URL\", e.g. \"GET https://api.example.com/v1/things\" (got %q)", config.Printable(request, 80))
	}
	if u, perr := url.Parse(htu); perr != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", fmt.Errorf("--for: %q is not an absolute http(s) URL", config.Printable(htu, 80))
	}
	return strings.ToUpper(htm), htu, nil
}

// Refresh is POST /v1/environments/{name}/refresh.
func (c *Client) Refresh(ctx context.Context, name string) (TokenAnswer, error) {
	return c.TokenWith(ctx, name, TokenOptions{Force: true})
}

// Login is POST /v1/environments/{name}/login.
func (c *Client) Login(ctx context.Context, name string) (LoginInfo, error) {
	var out LoginInfo
	return out, c.do(ctx, http.MethodPost, envPath(name, "/login"), nil, &out)
}

// CancelLogin is DELETE /v1/environments/{name}/login.
func (c *Client) CancelLogin(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, envPath(name, "/login"), nil, nil)
}

// Logout is POST /v1/environments/{name}/logout.
func (c *Client) Logout(ctx context.Context, name string) (Status, error) {
	var out Status
	return out, c.do(ctx, http.MethodPost, envPath(name, "/logout"), nil, &out)
}

// SetSecret is PUT /v1/environments/{name}/secret.
func (c *Client) SetSecret(ctx context.Context, name string, secret config.Secret) (Status, error) {
	var out Status
	return out, c.do(ctx, http.MethodPut, envPath(name, "/secret"), []byte(secret.Reveal()), &out)
}

func envPath(name, suffix string) string {
	return "/v1/environments/" + url.PathEscape(name) + suffix
}

func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	// The host is a placeholder: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, method, "http://tokentray"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return req, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read answer from tokentray: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return decodeAPIError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("tokentray answered %s %s with something that is not JSON: %w", method, path, err)
	}
	return nil
}

func decodeAPIError(status int, data []byte) error {
	e := &APIError{Status: status}
	if json.Unmarshal(data, e) != nil || e.Code == "" {
		e.Code = fmt.Sprintf("http_%d", status)
		e.Message = fmt.Sprintf("tokentray answered HTTP %d", status)
	}
	return e
}

// transportError tells "nothing listens here" apart from other failures.
func (c *Client) transportError(err error) error {
	var untrusted *UntrustedSocketError
	if errors.As(err, &untrusted) {
		return untrusted
	}
	var start *StartError
	if errors.As(err, &start) {
		return start
	}
	if notRunning(err) {
		return &NotRunningError{Path: c.Path, Err: err}
	}
	return fmt.Errorf("talk to tokentray on %s: %w", c.Path, err)
}

// notRunning: nothing listens on the socket (no socket file, or one left
// by a crashed run).
func notRunning(err error) bool {
	var untrusted *UntrustedSocketError
	return !errors.As(err, &untrusted) && (errors.Is(err, fs.ErrNotExist) || connRefused(err) || errors.Is(err, syscall.ENOTSOCK))
}

// EventStream reads /v1/events.
type EventStream struct {
	body io.ReadCloser
	rd   *bufio.Reader
}

// Events subscribes to /v1/events (only env's events when env is not "").
// It returns once the server confirmed the subscription, so nothing that
// happens afterwards is missed. Cancel ctx or Close to end it.
func (c *Client) Events(ctx context.Context, env string) (*EventStream, error) {
	p := "/v1/events"
	if env != "" {
		p += "?env=" + url.QueryEscape(env)
	}
	req, err := c.newRequest(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	// A stream has no overall deadline; ctx ends it.
	hc := &http.Client{Transport: c.hc.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.transportError(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, decodeAPIError(resp.StatusCode, data)
	}
	s := &EventStream{body: resp.Body, rd: bufio.NewReader(resp.Body)}
	// The server opens with a ": subscribed" comment.
	if _, err := s.rd.ReadString('\n'); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("subscribe to tokentray events: %w", err)
	}
	return s, nil
}

// Next blocks for the next event; comment lines are skipped.
func (s *EventStream) Next() (Event, error) {
	var kind, data string
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Event{}, fmt.Errorf("tokentray closed the event stream: %w", io.ErrUnexpectedEOF)
			}
			return Event{}, fmt.Errorf("read tokentray events: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if data == "" {
				continue
			}
			var ev Event
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				return Event{}, fmt.Errorf("tokentray sent an event that is not JSON: %w", err)
			}
			if ev.Kind == "" {
				ev.Kind = EventKind(kind)
			}
			return ev, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			kind = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			d := strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			if data != "" {
				data += "\n"
			}
			data += d
		}
	}
}

// Close ends the stream.
func (s *EventStream) Close() error { return s.body.Close() }
