// Command leanclient is the least a client of tokentray's socket can do:
// dial, one GET of the token, print it. The paired benchmark in
// e2e/bench_test.go times `tokentray token` next to it, so what the
// command adds (flag parsing, trust checks, its own start-up) is measured
// against the same socket and daemon in the same run.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	socket, env := os.Args[1], os.Args[2]
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
	resp, err := client.Get("http://tokentray/v1/environments/" + env + "/token")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "bad answer:", resp.Status, err)
		os.Exit(1)
	}
	fmt.Println(answer.AccessToken)
}
