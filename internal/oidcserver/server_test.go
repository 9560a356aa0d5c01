package oidcserver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func deviceConfig(s *Server) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     DeviceClientID,
		ClientSecret: DeviceClientSecret,
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: s.DeviceAuthorizationURL(),
			TokenURL:      s.TokenURL(),
			AuthStyle:     oauth2.AuthStyleInHeader,
		},
		Scopes: []string{"openid", "profile"},
	}
}

func TestDiscoveryNamesTheDeviceEndpoint(t *testing.T) {
	s := Start(t, Options{})
	resp, err := http.Get(s.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
		t.Fatal(err)
	}
	if md["issuer"] != s.Issuer || md["device_authorization_endpoint"] != s.DeviceAuthorizationURL() || md["token_endpoint"] != s.TokenURL() {
		t.Errorf("metadata: %v", md)
	}
	if n := s.Requests("/.well-known/openid-configuration"); n != 1 {
		t.Errorf("counted %d discovery requests, want 1", n)
	}
}

// x/oauth2's own device client against the provider, at the shortest interval.
func TestApprovedDeviceGetsJWTAccessToken(t *testing.T) {
	s := Start(t, Options{PollInterval: time.Second, JWTAccessTokens: true})
	ctx := context.Background()
	conf := deviceConfig(s)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.Interval != 1 || da.VerificationURI != s.VerificationURL() || da.UserCode == "" {
		t.Fatalf("device answer: %+v", da)
	}
	if err := s.ApproveDevice(ctx, da.UserCode); err != nil {
		t.Fatal(err)
	}
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		t.Errorf("access token is not a JWT")
	}
	if len(s.DevicePolls()) != 1 {
		t.Errorf("%d polls, want 1", len(s.DevicePolls()))
	}
}

func TestDeniedDeviceIsAccessDenied(t *testing.T) {
	s := Start(t, Options{PollInterval: time.Second})
	ctx := context.Background()
	conf := deviceConfig(s)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DenyDevice(ctx, da.UserCode); err != nil {
		t.Fatal(err)
	}
	_, err = conf.DeviceAccessToken(ctx, da)
	var re *oauth2.RetrieveError
	if !errorsAs(err, &re) || re.ErrorCode != "access_denied" {
		t.Fatalf("poll after denial: %v, want access_denied", err)
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	s := Start(t, Options{})
	da, err := deviceConfig(s).DeviceAuth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Username = "someone-else"
	if err := s.ApproveDevice(context.Background(), da.UserCode); err == nil {
		t.Fatal("approval as an unknown user succeeded")
	}
}

func errorsAs(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	*re = r
	return ok
}
