package oauthserver

import "testing"

func TestLoopbackRedirectOnAnyPort(t *testing.T) {
	def := DefaultClient().model().Domain
	for _, tc := range []struct {
		registered, redirect string
		ok                   bool
	}{
		{def, "http://127.0.0.1:8750/callback", true},
		{def, "http://127.0.0.1:49152/", true},
		{def, "http://127.0.0.1/cb", true},
		{def, "http://localhost:9000/callback", true},
		{def, "http://[::1]:9000/callback", true},
		{def, "https://127.0.0.1:8750/callback", false},
		{def, "http://127.0.0.1.evil.example/callback", false},
		{def, "http://evil.example/callback", false},
		{def, "http://127.0.0.1:8750/callback#frag", false},
		{def, "not a url", false},
		{"http://127.0.0.1/callback", "http://127.0.0.1:1234/callback", true},
		{"http://127.0.0.1/callback", "http://127.0.0.1:1234/other", false},
		{"https://app.example/cb", "https://app.example/cb", true},
		{"https://app.example/cb", "https://app.example:444/cb", false},
		{"https://app.example/cb http://127.0.0.1/", "http://127.0.0.1:5/x", true},
	} {
		err := validateRedirectURI(tc.registered, tc.redirect)
		if (err == nil) != tc.ok {
			t.Errorf("registered %q, redirect %q: err = %v, want ok=%v", tc.registered, tc.redirect, err, tc.ok)
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for name, o := range map[string]Options{
		"sub-second ttl": {AccessTokenTTL: 500_000_000},
		"auth style":     {ClientAuth: "basic"},
		"empty client":   {Clients: []Client{{Secret: "x"}}},
		"public address": {Addr: "0.0.0.0:0"},
	} {
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}
