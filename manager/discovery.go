package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
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

// Discover reads RFC 8414 metadata, falling back to OpenID Connect
// discovery. The issuer in the document must match the one asked for.
func Discover(ctx context.Context, client *http.Client, issuer string) (Metadata, error) {
	base := strings.TrimSuffix(issuer, "/")
	var errs []string
	for _, suffix := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		md, err := fetchMetadata(ctx, client, base+suffix)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if strings.TrimSuffix(md.Issuer, "/") != base {
			errs = append(errs, fmt.Sprintf("%s: issuer is %q, expected %q", base+suffix, md.Issuer, issuer))
			continue
		}
		return md, nil
	}
	return Metadata{}, fmt.Errorf("discover %s: %s", issuer, strings.Join(errs, "; "))
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
		return Metadata{}, fmt.Errorf("%s: %w", url, err)
	}
	return md, nil
}
