// Command oauthserver runs the test authorization server by hand, for demos,
// screenshots and trying tokentray against a local provider:
//
//	go run ./internal/oauthserver/cmd/oauthserver -addr 127.0.0.1:9096 -ttl 2m
//
// It serves until interrupted. Client "test-client", secret "test-secret".
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9096", "loopback listen address")
	ttl := flag.Duration("ttl", 0, "access token lifetime (default 2h)")
	keep := flag.Bool("keep-refresh-token", false, "do not rotate refresh tokens")
	flag.Parse()

	s, err := oauthserver.New(oauthserver.Options{Addr: *addr, AccessTokenTTL: *ttl, KeepRefreshToken: *keep})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer s.Close()
	fmt.Printf("authorize: %s\ntoken:     %s\nrevoke:    %s\nclient:    %s (secret in the package docs)\n",
		s.AuthURL(), s.TokenURL(), s.RevokeURL(), oauthserver.DefaultClientID)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
