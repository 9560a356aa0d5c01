package oidcserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// ApproveDevice plays the user at the verification URI in a browser:
// opens the page, enters userCode, signs in as the test user and allows
// the device.
func (s *Server) ApproveDevice(ctx context.Context, userCode string) error {
	return s.answerDevice(ctx, userCode, "allowed")
}

// DenyDevice does the same but denies the device.
func (s *Server) DenyDevice(ctx context.Context, userCode string) error {
	return s.answerDevice(ctx, userCode, "denied")
}

func (s *Server) answerDevice(ctx context.Context, userCode, action string) error {
	jar, _ := cookiejar.New(nil)
	b := &browser{ctx: ctx, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	steps := []struct {
		method, url string
		form        url.Values
		want        string // on the page that answers
	}{
		{http.MethodGet, s.VerificationURL(), nil, `name="user_code"`},
		{http.MethodPost, s.VerificationURL(), url.Values{"user_code": {userCode}}, `action="/device/login"`},
		{http.MethodPost, s.Issuer + "/device/login", url.Values{
			"user_code": {userCode}, "username": {s.Username}, "password": {Password},
		}, `action="/device/confirm"`},
		{http.MethodPost, s.Issuer + "/device/confirm", url.Values{"action": {action}}, "Device authorization " + action},
	}
	for _, st := range steps {
		if err := b.do(st.method, st.url, st.form, st.want); err != nil {
			return err
		}
	}
	return nil
}

type browser struct {
	ctx    context.Context
	client *http.Client
}

func (b *browser) do(method, u string, form url.Values, want string) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.ctx, method, u, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), want) {
		return fmt.Errorf("%s %s: HTTP %d, page lacks %q: %s", method, u, resp.StatusCode, want, page)
	}
	return nil
}
