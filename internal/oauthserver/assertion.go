package oauthserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// JWTBearerAssertionType is the client_assertion_type of private_key_jwt and
// client_secret_jwt (RFC 7523 §2.2).
const JWTBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAssertionLifetime bounds exp - now, so a leaked assertion is short-lived
// (the limit Entra ID and Okta use).
const maxAssertionLifetime = 5 * time.Minute

// assertionAlgs are the algorithms a client assertion may be signed with.
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA, jose.HS256}

// Assertion is a client assertion the server accepted: its header fields
// and claims (the raw JWT is not kept).
type Assertion struct {
	Endpoint string // "token" or "revoke"
	Grant    string // grant_type of the /token request; "" at /revoke
	ClientID string
	Method   string // "private_key_jwt" or "client_secret_jwt"

	Alg     string
	Kid     string
	Typ     string
	X5t     string // x5t header (SHA-1 certificate thumbprint), as sent
	X5tS256 string // x5t#S256 header, as sent

	Issuer   string
	Subject  string
	Audience []string
	JTI      string
	IssuedAt time.Time // zero without iat
	Expiry   time.Time
}

// authRecord is what the server saw of client authentication (guarded by Server.mu).
type authRecord struct {
	assertions []Assertion
	lastMethod string
}

// verifyAssertion authenticates the client of a request carrying
// client_assertion: signature with the registered key (or HS256 with the
// secret), iss, sub, aud, exp, iat, jti and certificate thumbprints. The
// error text is the error_description of invalid_client.
func (s *Server) verifyAssertion(r *http.Request, endpointURL string) (Client, Assertion, error) {
	form := r.PostForm
	if got := form.Get("client_assertion_type"); got != JWTBearerAssertionType {
		return Client{}, Assertion{}, fmt.Errorf("client_assertion_type %q: want %s", got, JWTBearerAssertionType)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), assertionAlgs)
	if err != nil {
		return Client{}, Assertion{}, fmt.Errorf("client_assertion is no compact JWS signed with %s: %v", strings.Join(algNames(assertionAlgs), ", "), err)
	}
	// The issuer names the client whose key verifies the signature, so it is
	// read before the signature is checked, and checked again after.
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Client{}, Assertion{}, fmt.Errorf("client_assertion claims are unreadable: %v", err)
	}
	c, ok := s.clients[unverified.Issuer]
	if !ok {
		return Client{}, Assertion{}, fmt.Errorf("iss %q is no registered client", unverified.Issuer)
	}
	if id := namedClient(r); id != "" && id != c.ID {
		return c, Assertion{}, fmt.Errorf("client_id %q is not the assertion's iss %q", id, c.ID)
	}
	head := tok.Headers[0]
	key, method, err := assertionKey(c, jose.SignatureAlgorithm(head.Algorithm))
	if err != nil {
		return c, Assertion{}, err
	}
	var claims jwt.Claims
	if err := tok.Claims(key, &claims); err != nil {
		return c, Assertion{}, fmt.Errorf("the signature does not verify with the client's registered %s: %v", keyName(method), err)
	}
	a := Assertion{
		ClientID: c.ID, Method: method,
		Alg: head.Algorithm, Kid: head.KeyID,
		Issuer: claims.Issuer, Subject: claims.Subject, Audience: claims.Audience, JTI: claims.ID,
	}
	var headerErr error
	if a.Typ, headerErr = headerString(head, "typ"); headerErr != nil {
		return c, a, headerErr
	}
	if a.X5t, headerErr = headerString(head, "x5t"); headerErr != nil {
		return c, a, headerErr
	}
	if a.X5tS256, headerErr = headerString(head, "x5t#S256"); headerErr != nil {
		return c, a, headerErr
	}
	if claims.IssuedAt != nil {
		a.IssuedAt = claims.IssuedAt.Time()
	}
	if claims.Expiry != nil {
		a.Expiry = claims.Expiry.Time()
	}
	if err := s.checkAssertionClaims(c, claims, endpointURL); err != nil {
		return c, a, err
	}
	if err := checkThumbprints(c, a); err != nil {
		return c, a, err
	}
	if !s.assertionIDs.first(c.ID+" "+claims.ID, a.Expiry.Add(s.opts.ClockSkew)) {
		return c, a, fmt.Errorf("jti %q was used before (replay)", claims.ID)
	}
	return c, a, nil
}

// assertionKey picks what verifies an assertion signed with alg: the
// secret for HS256, else the registered public key if alg fits it.
func assertionKey(c Client, alg jose.SignatureAlgorithm) (any, string, error) {
	if alg == jose.HS256 {
		switch {
		case c.Secret == "":
			return nil, "", fmt.Errorf("client %s has no secret for client_secret_jwt (HS256)", c.ID)
		case len(c.Secret) < 32:
			return nil, "", fmt.Errorf("client %s's secret is shorter than 32 bytes, too short for HS256 (RFC 7518 §3.2)", c.ID)
		}
		return []byte(c.Secret), "client_secret_jwt", nil
	}
	if c.PublicKey == nil {
		return nil, "", fmt.Errorf("client %s has no registered key for private_key_jwt", c.ID)
	}
	if !slices.Contains(keyAlgs(c.PublicKey), alg) {
		return nil, "", fmt.Errorf("alg %s does not fit client %s's %T (want %s)", alg, c.ID, c.PublicKey, strings.Join(algNames(keyAlgs(c.PublicKey)), " or "))
	}
	return c.PublicKey, "private_key_jwt", nil
}

func keyName(method string) string {
	if method == "client_secret_jwt" {
		return "secret"
	}
	return "key"
}

// checkAssertionClaims applies RFC 7523 §3 with the server's skew.
func (s *Server) checkAssertionClaims(c Client, claims jwt.Claims, endpointURL string) error {
	now, skew := time.Now(), s.opts.ClockSkew
	if claims.Issuer != c.ID || claims.Subject != c.ID {
		return fmt.Errorf("iss %q and sub %q must both be the client_id %q", claims.Issuer, claims.Subject, c.ID)
	}
	want := s.assertionAudiences(endpointURL)
	if !slices.ContainsFunc(want, claims.Audience.Contains) {
		return fmt.Errorf("aud %q does not contain %s", []string(claims.Audience), strings.Join(want, " or "))
	}
	if claims.Expiry == nil {
		return errors.New("exp is required")
	}
	exp := claims.Expiry.Time()
	if exp.Before(now.Add(-skew)) {
		return fmt.Errorf("the assertion expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if exp.After(now.Add(maxAssertionLifetime + skew)) {
		return fmt.Errorf("exp %s is more than %v ahead", exp.UTC().Format(time.RFC3339), maxAssertionLifetime)
	}
	if claims.IssuedAt != nil && claims.IssuedAt.Time().After(now.Add(skew)) {
		return errors.New("iat is in the future")
	}
	if claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(skew)) {
		return errors.New("nbf is in the future")
	}
	if claims.ID == "" {
		return errors.New("jti is required")
	}
	return nil
}

// assertionAudiences are the aud values Options.AssertionAudience accepts
// at the endpoint with this URL.
func (s *Server) assertionAudiences(endpointURL string) []string {
	issuer := s.issuerURL()
	switch s.opts.AssertionAudience {
	case "issuer":
		return []string{issuer}
	case "any":
		return uniq(s.TokenURL(), endpointURL, issuer)
	}
	return uniq(s.TokenURL(), endpointURL)
}

func uniq(values ...string) []string {
	out := values[:0:0]
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkThumbprints compares x5t and x5t#S256 with the registered
// certificate and enforces Client.RequireThumbprint.
func checkThumbprints(c Client, a Assertion) error {
	if c.RequireThumbprint && a.X5t == "" && a.X5tS256 == "" {
		return fmt.Errorf("client %s must name its certificate with an x5t or x5t#S256 header", c.ID)
	}
	if c.Certificate == nil {
		return nil
	}
	if a.X5t != "" && a.X5t != certThumbprintSHA1(c.Certificate) {
		return errors.New("x5t does not match the client's registered certificate")
	}
	if a.X5tS256 != "" && a.X5tS256 != CertThumbprint(c.Certificate) {
		return errors.New("x5t#S256 does not match the client's registered certificate")
	}
	return nil
}

// headerString reads an optional string header parameter.
func headerString(h jose.Header, name jose.HeaderKey) (string, error) {
	v, ok := h.ExtraHeaders[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("header %s must be a string", name)
	}
	return s, nil
}

func (s *Server) recordAssertion(a Assertion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assertions = append(s.assertions, a)
}

// Assertions lists the client assertions accepted at /token and /revoke, in order.
func (s *Server) Assertions() []Assertion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.assertions)
}

// LastAssertion is the last accepted client assertion; false before any.
func (s *Server) LastAssertion() (Assertion, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.assertions) == 0 {
		return Assertion{}, false
	}
	return s.assertions[len(s.assertions)-1], true
}

// AssertionsByGrant counts accepted assertions on /token requests with this grant_type.
func (s *Server) AssertionsByGrant(grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.assertions {
		if a.Endpoint == "token" && a.Grant == grant {
			n++
		}
	}
	return n
}
