package manager

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestProviderErrorSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  ProviderError
		want string
	}{
		{"oauth error with description", ProviderError{Env: "x", Code: "invalid_client", Description: "bad secret", StatusCode: 401}, "provider answered invalid_client (HTTP 401): bad secret"},
		{"oauth error", ProviderError{Env: "x", Code: "invalid_grant", StatusCode: 400}, "provider answered invalid_grant (HTTP 400)"},
		{"bare status", ProviderError{Env: "x", StatusCode: 503}, "provider answered HTTP 503"},
		{"unreachable host", ProviderError{Env: "x", Host: "go.sandbox.zeptopayments.com", Cause: "connection refused"}, "can't reach go.sandbox.zeptopayments.com: connection refused"},
		{"unreachable, host unknown", ProviderError{Env: "x", Cause: "timeout"}, "provider unreachable: timeout"},
		{"control characters", ProviderError{Env: "x", Code: "server_error\x1b[2J", StatusCode: 500}, "provider answered server_error[2J (HTTP 500)"},
		{"unusable answer", ProviderError{Env: "x", Err: errors.New("no access_token")}, "the provider's answer could not be used: no access_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Summary(); got != tc.want {
				t.Errorf("Summary() = %q, want %q", got, tc.want)
			}
			if got := tc.err.Error(); got != "x: "+tc.want {
				t.Errorf("Error() = %q, want the name once in front", got)
			}
		})
	}
}

func TestTransportCause(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"deadline", context.DeadlineExceeded, "timeout"},
		{"dns", &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}, "host not found"},
		{"other", errors.New("something else"), ""},
	} {
		if got := transportCause(tc.err); got != tc.want {
			t.Errorf("%s: transportCause = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRefusedConnectionNamesHostAndCause(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	c := &http.Client{Timeout: 5 * time.Second}
	_, err = c.Post("http://"+addr+"/token", "application/x-www-form-urlencoded", nil)
	if err == nil {
		t.Skip("something answered on a closed port")
	}
	pe := asProviderError("zepto-sandbox", err)
	if want := "can't reach " + addr + ": connection refused"; pe.Summary() != want {
		t.Errorf("Summary() = %q, want %q", pe.Summary(), want)
	}
	if !pe.Temporary() || strings.Count(pe.Error(), "zepto-sandbox") != 1 || strings.Contains(pe.Error(), "dial tcp") {
		t.Errorf("Error() = %q: want the name once and no transport noise", pe.Error())
	}
}

// The engine names next steps as values; the command line's words live in
// cli and platform/socket. A command in a manager string would reach the
// window and the tray too.
func TestNoCommandWordsInManager(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	command := regexp.MustCompile("`tokentray |tokentray (login|logout|refresh|secret|status|token|exec|reads|daemon|window)\\b")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0) // comments dropped
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			if command.MatchString(s) {
				t.Errorf("%s: %q names a tokentray command; return a Next instead", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}
