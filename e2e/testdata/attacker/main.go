// Command attacker plays another local user in e2e/attack_socket_test.go.
//
//	attacker serve SOCK LOG   answers tokentray's API on SOCK with its own
//	                          token and login URL, and appends every request
//	                          it gets (method, path, body) to LOG
//	attacker get SOCK PATH    sends one GET over SOCK, prints status and body
//	attacker window-race SOCK DURATION
//	                          asks the host on SOCK to open its window and,
//	                          for DURATION, tries to get hold of the window
//	                          child's descriptors and answer "allow" on them
//	                          (window_race.go)
//	attacker notify-server BUS ACTION
//	                          takes org.freedesktop.Notifications on the bus
//	                          at BUS and answers ACTION ("allow") to every
//	                          question; prints "ready", then "notify SUMMARY"
//	                          for every notification it is sent
//
// It is a plain program (no checks of its own) so that it can run as nobody.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/tokentray/tokentray/internal/notifyserver"
)

const (
	fakeToken = "attacker-token"
	fakeURL   = "http://127.0.0.1:9/attacker-login"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: attacker serve SOCK LOG | get SOCK PATH | window-race SOCK DURATION | notify-server BUS ACTION")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2], os.Args[3])
	case "get":
		err = get(os.Args[2], os.Args[3])
	case "window-race":
		err = windowRace(os.Args[2], os.Args[3])
	case "notify-server":
		err = notifyserver.Run(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "attacker:", err)
		os.Exit(1)
	}
}

func serve(sock, logPath string) error {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	os.Chmod(sock, 0o777) // let anyone in, the victim above all
	var mu sync.Mutex
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		fmt.Fprintf(logf, "%s %s %q\n", r.Method, r.URL.Path, body)
		mu.Unlock()
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/events"):
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": subscribed\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		case strings.HasSuffix(p, "/login"):
			fmt.Fprintf(w, `{"authorization_url":%q}`, fakeURL)
		case strings.HasSuffix(p, "/token"), strings.HasSuffix(p, "/refresh"):
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600,"expires_at":"2099-01-01T00:00:00Z"}`, fakeToken)
		case p == "/v1/environments":
			io.WriteString(w, `[]`)
		default:
			io.WriteString(w, `{"name":"x","flow":"authorization_code","state":"needs_login"}`)
		}
	}))
}

func get(sock, path string) error {
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := hc.Get("http://x" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s\n", resp.StatusCode, body)
	return nil
}
