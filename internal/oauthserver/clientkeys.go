package oauthserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// checked turns a PEM PublicKey into a key value, takes the certificate's
// key when there is no other, and refuses settings that cannot work, so the
// token endpoint only ever sees typed keys.
func (c Client) checked() (Client, error) {
	var err error
	switch k := c.PublicKey.(type) {
	case []byte:
		c.PublicKey, c.Certificate, err = keyFromPEM(k, c.Certificate)
	case string:
		c.PublicKey, c.Certificate, err = keyFromPEM([]byte(k), c.Certificate)
	case nil:
		if c.Certificate != nil {
			c.PublicKey = c.Certificate.PublicKey
		}
	}
	if err != nil {
		return c, fmt.Errorf("oauthserver: client %s: %w", c.ID, err)
	}
	if c.PublicKey != nil && len(keyAlgs(c.PublicKey)) == 0 {
		return c, fmt.Errorf("oauthserver: client %s: PublicKey %T: want RSA, ECDSA P-256 or Ed25519", c.ID, c.PublicKey)
	}
	if c.RequireThumbprint && c.Certificate == nil {
		return c, fmt.Errorf("oauthserver: client %s: RequireThumbprint needs Certificate", c.ID)
	}
	c.TLSClientAuth = c.TLSClientAuth || c.TLSSubjectDN != ""
	if c.TLSClientAuth && c.Certificate == nil && c.TLSSubjectDN == "" {
		return c, fmt.Errorf("oauthserver: client %s: TLSClientAuth needs Certificate or TLSSubjectDN", c.ID)
	}
	return c, nil
}

// keyFromPEM reads a PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE block; a
// certificate also becomes the client's certificate unless one was given.
func keyFromPEM(text []byte, cert *x509.Certificate) (crypto.PublicKey, *x509.Certificate, error) {
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, cert, fmt.Errorf("PublicKey is no PEM text")
	}
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		return key, cert, err
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(block.Bytes)
		return key, cert, err
	case "CERTIFICATE":
		parsed, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, cert, err
		}
		if cert == nil {
			cert = parsed
		}
		return parsed.PublicKey, cert, nil
	}
	return nil, cert, fmt.Errorf("PEM block %q: want PUBLIC KEY or CERTIFICATE", block.Type)
}

// keyAlgs are the JWS algorithms that fit a public key; none for other keys.
func keyAlgs(key crypto.PublicKey) []jose.SignatureAlgorithm {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return []jose.SignatureAlgorithm{jose.RS256, jose.PS256}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return []jose.SignatureAlgorithm{jose.ES256}
		}
	case ed25519.PublicKey:
		return []jose.SignatureAlgorithm{jose.EdDSA}
	}
	return nil
}

// asymmetricAlgs are the algorithms of keyAlgs, the ones DPoP proofs and
// private_key_jwt may use.
var asymmetricAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.PS256, jose.EdDSA}

// algNames spells algorithms for metadata and challenges.
func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// CertThumbprint is the RFC 8705 cnf "x5t#S256" of a certificate (and the
// JWS x5t#S256 header): base64url of the SHA-256 of its DER.
func CertThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// certThumbprintSHA1 is the JWS x5t header of a certificate.
func certThumbprintSHA1(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
