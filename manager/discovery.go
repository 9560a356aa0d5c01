package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tokentray/tokentray/config"
)

// Metadata is the part of an authorization server's metadata (RFC 8414,
// or OpenID Connect discovery) the engine uses.
type Metadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	DeviceAuthorizationEndpoint   string   `json:"device_authorization_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	GrantTypesSupported           []string `json:"grant_types_supported"`
	ScopesSupported               []string `json:"scopes_supported"`
	// TokenEndpointAuthMethodsSupported picks header or form client auth.
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

// metadataCache keeps fetched metadata per issuer. A failed fetch is not
// cached, so the next use tries again.
type metadataCache struct {
	mu   sync.Mutex
	byIs map[string]Metadata
}

func (c *metadataCache) lookup(ctx context.Context, client *http.Client, issuer string) (Metadata, error) {
	c.mu.Lock()
	md, ok := c.byIs[issuer]
	c.mu.Unlock()
	if ok {
		return md, nil
	}
	md, err := Discover(ctx, client, issuer)
	if err != nil {
		return Metadata{}, err
	}
	c.mu.Lock()
	if c.byIs == nil {
		c.byIs = map[string]Metadata{}
	}
	c.byIs[issuer] = md
	c.mu.Unlock()
	return md, nil
}

// forget drops an issuer's metadata so the next use fetches it again.
func (c *metadataCache) forget(issuer string) {
	c.mu.Lock()
	delete(c.byIs, issuer)
	c.mu.Unlock()
}

// Discover reads the issuer's RFC 8414 metadata, falling back to OpenID
// Connect discovery. The issuer in the document must be the one asked
// for (RFC 8414 §3.3), and every endpoint must be https:// unless it is on
// a loopback host, as for configured endpoints.
func Discover(ctx context.Context, client *http.Client, issuer string) (Metadata, error) {
	urls, err := metadataURLs(issuer)
	if err != nil {
		return Metadata{}, fmt.Errorf("discover %s: %w", issuer, err)
	}
	want := strings.TrimSuffix(issuer, "/")
	var errs []string
	for _, u := range urls {
		md, err := fetchMetadata(ctx, client, u)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if strings.TrimSuffix(md.Issuer, "/") != want {
			// A mismatch is an answer, not a miss: trying the next URL
			// could only find a document for some other issuer.
			return Metadata{}, fmt.Errorf("discover %s: %s names issuer %q; check the issuer in the config", issuer, u, md.Issuer)
		}
		if err := md.checkEndpoints(); err != nil {
			return Metadata{}, fmt.Errorf("discover %s: %s: %w", issuer, u, err)
		}
		return md, nil
	}
	return Metadata{}, fmt.Errorf("discover %s: no metadata found (%s); check the issuer URL or set the endpoints in the config", issuer, strings.Join(errs, "; "))
}

// metadataURLs are the places to look, in order. RFC 8414 §3.1 puts the
// well-known segment before an issuer's path; OpenID Connect Discovery
// appends it; some servers serve RFC 8414 metadata the OpenID way too.
func metadataURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("issuer must be an absolute https:// URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("issuer must not have a query or fragment (RFC 8414 §2)")
	}
	if !config.SecureEndpoint(u) {
		return nil, fmt.Errorf("issuer must be https:// unless the host is loopback")
	}
	origin := u.Scheme + "://" + u.Host
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	urls := []string{
		origin + "/.well-known/oauth-authorization-server" + path,
		origin + path + "/.well-known/openid-configuration",
	}
	if path != "" {
		urls = append(urls, origin+path+"/.well-known/oauth-authorization-server")
	}
	return urls, nil
}

// checkEndpoints refuses endpoints that would send secrets in the clear.
func (md Metadata) checkEndpoints() error {
	for _, ep := range []struct{ name, url string }{
		{"authorization_endpoint", md.AuthorizationEndpoint},
		{"token_endpoint", md.TokenEndpoint},
		{"revocation_endpoint", md.RevocationEndpoint},
		{"device_authorization_endpoint", md.DeviceAuthorizationEndpoint},
	} {
		if ep.url == "" {
			continue
		}
		u, err := url.Parse(ep.url)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%s %q is not an absolute URL", ep.name, ep.url)
		}
		if !config.SecureEndpoint(u) {
			return fmt.Errorf("%s %q must be https:// unless the host is loopback", ep.name, ep.url)
		}
	}
	return nil
}

func fetchMetadata(ctx context.Context, client *http.Client, url string) (Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Metadata{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Metadata{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	var md Metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md); err != nil {
		return Metadata{}, fmt.Errorf("%s: unreadable metadata: %w", url, err)
	}
	return md, nil
}
