package oauthserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the hops inside the authorization server's origin.
const maxRedirects = 10

// Follow plays the browser in an authorization code flow: it GETs authURL
// (the user approves without a form), follows redirects within that
// server's origin and returns the first Location that leaves it, which is
// the app's redirect_uri with code and state (or error and state). It does
// not call that URL. It trusts the CA of every TLS Server running in this
// process, like a browser with the test CA installed.
func Follow(ctx context.Context, authURL string) (string, error) {
	next, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("follow authorization url: %w", err)
	}
	origin := next.Scheme + "://" + next.Host
	client := &http.Client{
		Transport:     browserTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for range maxRedirects {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil)
		if err != nil {
			return "", fmt.Errorf("follow authorization url: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", fmt.Errorf("follow authorization url: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return "", fmt.Errorf("follow authorization url: got HTTP %d, want a redirect: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		target, err := next.Parse(loc)
		if err != nil {
			return "", fmt.Errorf("follow authorization url: bad Location: %w", err)
		}
		if target.Scheme+"://"+target.Host != origin {
			return target.String(), nil
		}
		next = target
	}
	return "", fmt.Errorf("follow authorization url: more than %d redirects inside %s", maxRedirects, origin)
}

// FollowAndCallback is Follow and then the browser's GET of the app's
// redirect_uri (its loopback listener), with that page's status and body
// (up to 1 MiB).
func FollowAndCallback(ctx context.Context, authURL string) (int, string, error) {
	callback, err := Follow(ctx, authURL)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, callback, nil)
	if err != nil {
		return 0, "", fmt.Errorf("open callback: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message would carry the URL, and so the code
		}
		return 0, "", fmt.Errorf("open callback %s: %w", redactQuery(callback), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, string(body), fmt.Errorf("read callback page: %w", err)
	}
	return resp.StatusCode, string(body), nil
}

// redactQuery keeps scheme, host and path of u for error messages.
func redactQuery(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable url)"
	}
	p.RawQuery, p.Fragment = "", ""
	return p.String()
}
