package manager

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/tokentray/tokentray/config"
)

// The stored secret of an environment is a client secret, or, for
// private_key_jwt and tls_client_auth, a PEM private key. Whatever it is,
// it is checked against the environment's auth_style before it is stored
// (SetSecret) and when it is read back, and no message about it ever
// quotes it.

// ErrInvalidSecret: the secret does not fit the environment's client
// authentication; the error is a *SecretError.
var ErrInvalidSecret = errors.New("the secret does not fit the client authentication")

// SecretError says why a secret was refused. Reason never quotes it.
type SecretError struct {
	Env       string
	AuthStyle string
	Reason    string
}

func (e *SecretError) Error() string {
	what := "the client secret"
	if e.AuthStyle == config.AuthStylePrivateKeyJWT || e.AuthStyle == config.AuthStyleTLSClientAuth {
		what = "the private key"
	}
	return fmt.Sprintf("%s: %s does not fit auth_style = %q: %s", e.Env, what, e.AuthStyle, e.Reason)
}

func (e *SecretError) Is(target error) bool { return target == ErrInvalidSecret }

// CheckSecret says whether secret is what env's client authentication
// needs: a PEM private key (PKCS#8, PKCS#1 or SEC1; RSA, EC or Ed25519)
// that fits assertion_alg and client_certificate for private_key_jwt and
// tls_client_auth, a secret long enough for HMAC for client_secret_jwt,
// and for the others anything but a private key (which they would send
// as the client secret). env is the environment as loaded (its preset
// applied). The error is a *SecretError.
func CheckSecret(env config.Environment, secret Secret) error {
	if reason := secretProblem(env, secret); reason != "" {
		return &SecretError{Env: env.Name, AuthStyle: styleName(env.AuthStyle), Reason: reason}
	}
	return nil
}

// styleName is the auth style as messages name it.
func styleName(style string) string {
	if style == "" {
		return config.AuthStyleHeader
	}
	return style
}

// secretProblem is why secret does not fit env, or "".
func secretProblem(env config.Environment, secret Secret) string {
	switch env.AuthStyle {
	case config.AuthStylePrivateKeyJWT, config.AuthStyleTLSClientAuth:
		key, err := parsePrivateKey(secret.Reveal())
		if err != nil {
			return err.Error()
		}
		if env.AuthStyle == config.AuthStylePrivateKeyJWT {
			if _, err := keyAlgorithm(key, env.AssertionAlg); err != nil {
				return err.Error()
			}
		}
		if env.ClientCertificate != "" {
			return certificateMismatch(env.ClientCertificate, key)
		}
	case config.AuthStyleClientSecretJWT:
		_, err := hmacAlgorithm(secret, env.AssertionAlg)
		if err != nil {
			return err.Error()
		}
	default:
		if looksLikePrivateKey(secret.Reveal()) {
			return fmt.Sprintf("it is a PEM private key, which auth_style = %q would send as the client secret: "+
				"set auth_style = %q (or %q) in the config, or store the client secret instead", styleName(env.AuthStyle),
				config.AuthStylePrivateKeyJWT, config.AuthStyleTLSClientAuth)
		}
	}
	return ""
}

func looksLikePrivateKey(text string) bool {
	return strings.Contains(text, "-----BEGIN") && strings.Contains(text, "PRIVATE KEY-----")
}

// parsePrivateKey reads the first private key of PEM text (other blocks,
// such as a certificate stored with it, are skipped).
func parsePrivateKey(text string) (crypto.Signer, error) {
	rest := []byte(text)
	var others []string
	for {
		block, after := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = after
		if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] == "4,ENCRYPTED" {
			return nil, errors.New("it is encrypted; store it decrypted (`openssl pkey -in key.pem -out plain.pem`): the store keeps it safe")
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			others = append(others, config.Printable(block.Type, 40))
			continue
		}
		return signerFromDER(block.Type, block.Bytes)
	}
	switch {
	case slices.Contains(others, "CERTIFICATE"):
		return nil, errors.New("it holds a certificate but no private key: the certificate goes in client_certificate in the config, its private key here")
	case len(others) > 0:
		return nil, fmt.Errorf("it holds PEM blocks of type %s, none a private key", strings.Join(others, ", "))
	}
	return nil, errors.New("it is not PEM text of a private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)")
}

// signerFromDER parses PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY")
// or SEC1 ("EC PRIVATE KEY").
func signerFromDER(blockType string, der []byte) (crypto.Signer, error) {
	var key any
	var err error
	switch blockType {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	default:
		return nil, fmt.Errorf("it is a %s block; want PRIVATE KEY (PKCS#8), RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1)", config.Printable(blockType, 40))
	}
	if err != nil {
		// x509's errors name the structure, never the key's bytes.
		return nil, fmt.Errorf("its %s block does not parse (%v)", blockType, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return k.(crypto.Signer), nil
	}
	return nil, fmt.Errorf("it is a %T key; tokentray signs with RSA, EC (P-256, P-384, P-521) or Ed25519 keys", key)
}

// keyAlgorithm is the JWS algorithm key signs assertions with: alg when
// the config names one and it fits, else the key's own.
func keyAlgorithm(key crypto.Signer, alg string) (jose.SignatureAlgorithm, error) {
	var fits []jose.SignatureAlgorithm
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		fits = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			fits = []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			fits = []jose.SignatureAlgorithm{jose.ES384}
		case elliptic.P521():
			fits = []jose.SignatureAlgorithm{jose.ES512}
		default:
			return "", fmt.Errorf("it is an EC key on %s; tokentray signs with P-256, P-384 or P-521", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		fits = []jose.SignatureAlgorithm{jose.EdDSA}
	}
	if alg == "" {
		return fits[0], nil
	}
	if !slices.Contains(fits, jose.SignatureAlgorithm(alg)) {
		return "", fmt.Errorf("assertion_alg = %q does not fit this key (it signs with %s)", alg, algNames(fits))
	}
	return jose.SignatureAlgorithm(alg), nil
}

// hmacAlgorithm is client_secret_jwt's algorithm for secret: alg or
// HS256. RFC 7518 §3.2 wants a key at least as long as the hash.
func hmacAlgorithm(secret Secret, alg string) (jose.SignatureAlgorithm, error) {
	sizes := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}
	if alg == "" {
		alg = "HS256"
	}
	need, ok := sizes[alg]
	if !ok {
		return "", fmt.Errorf("assertion_alg = %q is not HS256, HS384 or HS512", alg)
	}
	if n := len(secret.Reveal()); n < need {
		return "", fmt.Errorf("%s needs a client secret of at least %d bytes (RFC 7518 §3.2); this one has %d", alg, need, n)
	}
	return jose.SignatureAlgorithm(alg), nil
}

// certificateMismatch says why key is not client_certificate's key, or "".
func certificateMismatch(certPEM string, key crypto.Signer) string {
	certs, err := config.ParseCertificates(certPEM)
	if err != nil {
		return "client_certificate " + err.Error()
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := key.Public().(equaler); !ok || !pub.Equal(certs[0].PublicKey) {
		return "it is not the private key of client_certificate (" + config.Printable(certs[0].Subject.String(), 80) + ")"
	}
	return ""
}

func algNames(algs []jose.SignatureAlgorithm) string {
	names := make([]string, len(algs))
	for i, a := range algs {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
