package manager

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/tokentray/tokentray/config"
)

// jwtBearerAssertion is client_assertion_type for private_key_jwt and
// client_secret_jwt (RFC 7523 §2.2).
const jwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is good for. Providers
// refuse more than 5 minutes; a short one is also one a clock a little
// ahead of the provider's does not push past that.
const assertionLifetime = 2 * time.Minute

// assertionSigner makes the client assertions of one client for one token
// endpoint: iss = sub = the client id, aud = the token URL (or
// assertion_audience), a fresh jti each time, signed with the private key
// (private_key_jwt) or the client secret (client_secret_jwt).
type assertionSigner struct {
	clientID string
	audience string
	signer   jose.Signer
}

// newAssertionSigner makes env's assertion signer for tokenURL from its
// stored secret. Its errors are secretProblem's, for a secret that
// changed under the config since it was checked.
func newAssertionSigner(env config.Environment, secret Secret, tokenURL string) (*assertionSigner, error) {
	var key jose.SigningKey
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if env.AuthStyle == config.AuthStyleClientSecretJWT {
		alg, err := hmacAlgorithm(secret, env.AssertionAlg)
		if err != nil {
			return nil, err
		}
		key = jose.SigningKey{Algorithm: alg, Key: []byte(secret.Reveal())}
	} else {
		priv, err := parsePrivateKey(secret.Reveal())
		if err != nil {
			return nil, err
		}
		alg, err := keyAlgorithm(priv, env.AssertionAlg)
		if err != nil {
			return nil, err
		}
		key = jose.SigningKey{Algorithm: alg, Key: priv}
		if env.ClientCertificate != "" {
			name, value, err := certificateThumbprint(env.ClientCertificate, env.AssertionThumbprint)
			if err != nil {
				return nil, err
			}
			opts.WithHeader(jose.HeaderKey(name), value)
		}
	}
	if env.AssertionKID != "" {
		opts.WithHeader("kid", env.AssertionKID)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		return nil, fmt.Errorf("the key cannot sign %s assertions: %w", key.Algorithm, err)
	}
	audience := env.AssertionAudience
	if audience == "" {
		audience = tokenURL
	}
	return &assertionSigner{clientID: env.ClientID, audience: audience, signer: signer}, nil
}

// sign makes a new assertion as of now.
func (a *assertionSigner) sign(now time.Time) (string, error) {
	claims := jwt.Claims{
		Issuer:    a.clientID,
		Subject:   a.clientID,
		Audience:  jwt.Audience{a.audience},
		ID:        rand.Text(),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now), // Entra ID asks for nbf
		Expiry:    jwt.NewNumericDate(now.Add(assertionLifetime)),
	}
	return jwt.Signed(a.signer).Claims(claims).Serialize()
}

// certificateThumbprint is the header that names the leaf of certPEM:
// x5t#S256 (RFC 7515 §4.1.8) unless which says x5t (SHA-1, §4.1.7).
func certificateThumbprint(certPEM, which string) (name, value string, err error) {
	certs, err := config.ParseCertificates(certPEM)
	if err != nil {
		return "", "", fmt.Errorf("client_certificate %w", err)
	}
	if which == config.ThumbprintSHA1 {
		sum := sha1.Sum(certs[0].Raw)
		return config.ThumbprintSHA1, base64.RawURLEncoding.EncodeToString(sum[:]), nil
	}
	sum := sha256.Sum256(certs[0].Raw)
	return config.ThumbprintSHA256, base64.RawURLEncoding.EncodeToString(sum[:]), nil
}
