package config

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Values of Environment.AuthStyle: how the client authenticates at the
// token endpoint. "" reads as AuthStyleHeader (or "form" when the issuer's
// metadata accepts only client_secret_post).
const (
	AuthStyleHeader = "header" // client_secret_basic
	AuthStyleForm   = "form"   // client_secret_post
	// AuthStylePrivateKeyJWT signs a JWT assertion (RFC 7523) with the
	// private key the store keeps in place of a client secret.
	AuthStylePrivateKeyJWT = "private_key_jwt"
	// AuthStyleClientSecretJWT signs the assertion with the client secret (HS256).
	AuthStyleClientSecretJWT = "client_secret_jwt"
	// AuthStyleTLSClientAuth presents ClientCertificate on the TLS
	// connection (RFC 8705); its private key is the store's.
	AuthStyleTLSClientAuth = "tls_client_auth"
)

var authStyles = []string{AuthStyleHeader, AuthStyleForm, AuthStylePrivateKeyJWT, AuthStyleClientSecretJWT, AuthStyleTLSClientAuth}

// SecretIsPrivateKey reports whether the environment's stored secret is a
// PEM private key rather than a client secret.
func (e Environment) SecretIsPrivateKey() bool {
	return e.AuthStyle == AuthStylePrivateKeyJWT || e.AuthStyle == AuthStyleTLSClientAuth
}

// needsClientCertificate reports whether e's client authentication
// presents a certificate: tls_client_auth, or a private_key_jwt
// assertion that names its certificate by thumbprint.
func (e Environment) needsClientCertificate() bool {
	return e.AuthStyle == AuthStyleTLSClientAuth || e.AuthStyle == AuthStylePrivateKeyJWT && e.AssertionThumbprint != ""
}

// SignsAssertion reports whether the client authenticates with a JWT assertion.
func (e Environment) SignsAssertion() bool {
	return e.AuthStyle == AuthStylePrivateKeyJWT || e.AuthStyle == AuthStyleClientSecretJWT
}

// NeedsSecret reports whether the environment cannot get a token without
// its stored secret: the client credentials flow, and every method that
// signs or presents something made with it.
func (e Environment) NeedsSecret() bool {
	return e.Flow == FlowClientCredentials || e.SignsAssertion() || e.AuthStyle == AuthStyleTLSClientAuth
}

// Assertion algorithms, for assertion_alg: what a private key can sign
// with, and what client_secret_jwt signs with the secret.
var (
	KeyAssertionAlgs    = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	SecretAssertionAlgs = []string{"HS256", "HS384", "HS512"}
)

// Values of assertion_thumbprint: the header naming ClientCertificate.
const (
	ThumbprintSHA1   = "x5t"
	ThumbprintSHA256 = "x5t#S256"
)

// MaxCertificateLen bounds client_certificate: a chain of a few certificates.
const MaxCertificateLen = 32 << 10

func checkAuthStyle(v string) string {
	if slices.Contains(authStyles, v) {
		return ""
	}
	return fmt.Sprintf("must be \"header\" (HTTP Basic), \"form\" (in the request body), \"private_key_jwt\", \"client_secret_jwt\" "+
		"or \"tls_client_auth\", or left out for HTTP Basic (got %q)", Printable(v, 0))
}

func checkAssertionAlg(v string) string {
	if slices.Contains(KeyAssertionAlgs, v) || slices.Contains(SecretAssertionAlgs, v) {
		return ""
	}
	return fmt.Sprintf("must be one of %s (private_key_jwt) or %s (client_secret_jwt); left out, it follows the key (got %q)",
		strings.Join(KeyAssertionAlgs, ", "), strings.Join(SecretAssertionAlgs, ", "), Printable(v, 0))
}

func checkAssertionThumbprint(v string) string {
	if v == ThumbprintSHA1 || v == ThumbprintSHA256 {
		return ""
	}
	return fmt.Sprintf("must be %q (SHA-1, as Entra ID asks) or %q (SHA-256) (got %q)", ThumbprintSHA1, ThumbprintSHA256, Printable(v, 0))
}

// checkHeaderValue is the rule of assertion_kid and assertion_audience:
// one word of printable characters.
func checkHeaderValue(v string) string {
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Sprintf("must be one word without spaces or control characters (got %q)", Printable(v, 0))
	}
	return ""
}

var tenantRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

func checkTenant(v string) string {
	if !tenantRE.MatchString(v) {
		return fmt.Sprintf("must be your directory (tenant) ID or domain, e.g. \"contoso.onmicrosoft.com\" or "+
			"\"00000000-0000-0000-0000-000000000000\" (got %q)", Printable(v, 0))
	}
	return ""
}

// checkClientCertificate never quotes the value: a key pasted by mistake
// would end up in a message.
func checkClientCertificate(v string) string {
	certs, err := ParseCertificates(v)
	switch {
	case strings.Contains(v, "PRIVATE KEY"):
		return "holds a private key, which is a secret and never lives in the config file: keep only the certificate here " +
			"and store the key with `tokentray secret set NAME < key.pem`"
	case err != nil:
		return err.Error()
	case len(certs) == 0:
		return "must be the PEM text of the client certificate (-----BEGIN CERTIFICATE----- ...)"
	}
	return ""
}

// ParseCertificates reads PEM text of one or more CERTIFICATE blocks, the
// leaf first; anything else in it is an error that never quotes it.
func ParseCertificates(text string) ([]*x509.Certificate, error) {
	rest := []byte(text)
	var certs []*x509.Certificate
	for {
		block, after := pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("must hold only CERTIFICATE PEM blocks (found %q)", Printable(block.Type, 40))
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("holds a certificate that does not parse (%s)", Printable(err.Error(), 120))
		}
		certs = append(certs, cert)
		rest = after
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("must be the PEM text of the client certificate (-----BEGIN CERTIFICATE----- ...); this is not PEM")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("has text after the last certificate's -----END CERTIFICATE----- line")
	}
	return certs, nil
}

// keyProblem is a problem of one key that another key's value causes.
type keyProblem struct{ key, msg string }

// clientAuthProblems are the rules between the client authentication keys
// (and the tenant a preset's endpoints need): given is the environment as
// written, applied after its preset. A key the preset fills is never
// "unused": the user did not write it.
func clientAuthProblems(given, applied Environment) []keyProblem {
	var out []keyProblem
	add := func(key, format string, args ...any) {
		out = append(out, keyProblem{key, fmt.Sprintf(format, args...)})
	}
	style := applied.AuthStyle
	if strings.Contains(applied.AuthURL+applied.TokenURL+applied.DeviceURL, tenantSlot) && given.Tenant == "" {
		add("tenant", "missing: the %s preset builds its endpoints from your tenant: set tenant = \"contoso.onmicrosoft.com\" or your directory (tenant) ID", applied.Preset)
	}
	if given.Tenant != "" && !presetNamesTenant(applied.Preset) {
		add("tenant", "is only used by a preset whose endpoints name a tenant (entra)")
	}
	switch {
	case applied.ClientCertificate == "" && style == AuthStyleTLSClientAuth:
		add("client_certificate", "missing: auth_style = %q presents a client certificate: set client_certificate to its PEM text "+
			"(its private key goes in the store with `tokentray secret set %s < key.pem`)", style, nameOr(applied))
	case applied.ClientCertificate == "" && applied.needsClientCertificate():
		add("client_certificate", "missing: assertion_thumbprint = %q names the certificate registered with the provider: "+
			"set client_certificate to its PEM text", applied.AssertionThumbprint)
	case given.ClientCertificate != "" && style != AuthStyleTLSClientAuth && style != AuthStylePrivateKeyJWT:
		add("client_certificate", "is only used with auth_style = %q (named in the assertion's x5t header) or %q (got auth_style %q)",
			AuthStylePrivateKeyJWT, AuthStyleTLSClientAuth, style)
	}
	for _, k := range []struct{ key, val string }{
		{"assertion_audience", given.AssertionAudience}, {"assertion_kid", given.AssertionKID}, {"assertion_alg", given.AssertionAlg},
	} {
		if k.val != "" && !applied.SignsAssertion() {
			add(k.key, "is only used with auth_style = %q or %q (got auth_style %q)", AuthStylePrivateKeyJWT, AuthStyleClientSecretJWT, style)
		}
	}
	alg := applied.AssertionAlg
	switch {
	case style == AuthStylePrivateKeyJWT && slices.Contains(SecretAssertionAlgs, alg):
		add("assertion_alg", "%s signs with a secret; private_key_jwt signs with the private key (%s)", alg, strings.Join(KeyAssertionAlgs, ", "))
	case style == AuthStyleClientSecretJWT && slices.Contains(KeyAssertionAlgs, alg):
		add("assertion_alg", "%s signs with a private key; client_secret_jwt signs with the client secret (%s)", alg, strings.Join(SecretAssertionAlgs, ", "))
	}
	if given.AssertionThumbprint != "" && style != AuthStylePrivateKeyJWT {
		add("assertion_thumbprint", "is only used with auth_style = %q (got auth_style %q)", AuthStylePrivateKeyJWT, style)
	}
	return out
}

func nameOr(e Environment) string {
	if e.Name == "" {
		return "NAME"
	}
	return Printable(e.Name, 0)
}

// tenantSlot is where a preset's endpoint takes the tenant.
const tenantSlot = "{tenant}"

// presetNamesTenant reports whether the preset called name builds its
// endpoints from a tenant.
func presetNamesTenant(name string) bool {
	p, ok := LookupPreset(name)
	return ok && p.NeedsTenant()
}

// withTenant fills a preset endpoint's {tenant}; without a tenant the
// endpoint stays a template, which the tenant rule reports as missing.
func withTenant(endpoint, tenant string) string {
	if tenant == "" {
		return endpoint
	}
	return strings.ReplaceAll(endpoint, tenantSlot, tenant)
}

// certificateSummary names a client certificate for a question to the
// user: its subject and SHA-256 thumbprint, not a screen of base64.
func certificateSummary(text string) string {
	if text == "" {
		return `""`
	}
	certs, err := ParseCertificates(text)
	if err != nil {
		return "(not a certificate)"
	}
	sum := sha256.Sum256(certs[0].Raw)
	return fmt.Sprintf("the certificate of %s (SHA-256 %X…)", Printable(certs[0].Subject.String(), 80), sum[:8])
}
