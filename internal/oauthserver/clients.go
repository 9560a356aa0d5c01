package oauthserver

import (
	"context"
	"net"
	"net/url"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/store"
)

// model stores the client for go-oauth2. The library keeps one "domain" per
// client and hands it to the ValidateURIHandler, so all redirect URIs travel
// in it, space separated; handleAuthorize requires redirect_uri, so the
// library never redirects to that joined string. A client with a key or a
// certificate is confidential even without a secret (client_credentials).
func (c Client) model() *models.Client {
	return &models.Client{
		ID:     c.ID,
		Secret: c.Secret,
		Domain: strings.Join(c.RedirectURIs, " "),
		Public: c.Secret == "" && c.PublicKey == nil && !c.TLSClientAuth,
		UserID: DefaultUserID,
	}
}

// secretAllowed says whether c may authenticate by client_secret_basic or
// client_secret_post (or, without a secret, as a public client). A client
// with only a key or a certificate has no secret the library could check.
func (c Client) secretAllowed() bool {
	if c.RequireAssertion || c.TLSClientAuth {
		return false
	}
	return c.Secret != "" || c.PublicKey == nil
}

// knownClients turns the store's plain "not found" into invalid_client, which
// the library would otherwise answer as a 500 server_error.
type knownClients struct{ *store.ClientStore }

func (k knownClients) GetByID(ctx context.Context, id string) (oauth2.ClientInfo, error) {
	c, err := k.ClientStore.GetByID(ctx, id)
	if err != nil || c == nil {
		return nil, errors.ErrInvalidClient
	}
	return c, nil
}

// validateRedirectURI is the manager's ValidateURIHandler: registered is the
// space-separated list from Client.model. An exact match always passes; an
// http loopback registration matches on any port (RFC 8252 §7.3), and on any
// path when it has none.
func validateRedirectURI(registered, redirect string) error {
	got, err := url.Parse(redirect)
	if err != nil || got.Fragment != "" || got.Host == "" {
		return errors.ErrInvalidRedirectURI
	}
	for _, r := range strings.Fields(registered) {
		if r == redirect {
			return nil
		}
		want, err := url.Parse(r)
		if err != nil || want.Scheme != "http" || !isLoopback(want.Hostname()) {
			continue
		}
		if got.Scheme != "http" || got.Hostname() != want.Hostname() {
			continue
		}
		if want.Path == "" || want.Path == "/" || want.Path == got.Path {
			return nil
		}
	}
	return errors.ErrInvalidRedirectURI
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
