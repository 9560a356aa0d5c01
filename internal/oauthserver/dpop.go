package oauthserver

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// dpopProofWindow is how far a proof's iat may be from now (plus
// Options.ClockSkew) in either direction.
const dpopProofWindow = 60 * time.Second

// DPoPRequest is what one /token or resource request carried in its DPoP
// header (RFC 9449). With DPoP on, every /token request past the fault
// hooks is recorded, and every resource request with a DPoP-bound token.
type DPoPRequest struct {
	Endpoint string // "token" or "resource"
	Grant    string // grant_type, at /token
	Method   string // the request's method
	URL      string // the request's URL without query, what htu must name
	Proof    bool   // a DPoP header came
	Alg      string // the proof's alg
	JKT      string // RFC 7638 SHA-256 thumbprint of the proof's jwk, when it had one
	Nonce    string // the proof's nonce claim
	Error    string // "" if the proof passed (or none came), else the error answered for it
}

// dpopState is the nonce and what was seen (guarded by Server.mu).
type dpopState struct {
	nonce        string
	dpopRequests []DPoPRequest
	nonceAnswers int
}

// dpopError refuses a proof; code is invalid_dpop_proof or use_dpop_nonce.
type dpopError struct{ code, description string }

func invalidProof(format string, args ...any) *dpopError {
	return &dpopError{"invalid_dpop_proof", fmt.Sprintf(format, args...)}
}

// proofClaims are the DPoP proof claims RFC 9449 §4.2 defines.
type proofClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath"`
	Nonce string           `json:"nonce"`
}

// verifyDPoP checks the request's DPoP proof as RFC 9449 §4.3 says. With
// accessToken set (at a resource) ath must hash it; needNonce demands the
// current nonce. No header is no error: rec.Proof tells. rec.JKT is the
// key thumbprint to bind to or to compare with a binding.
func (s *Server) verifyDPoP(r *http.Request, accessToken string, needNonce bool) (DPoPRequest, *dpopError) {
	rec := DPoPRequest{Method: r.Method, URL: requestURL(r)}
	headers := r.Header.Values("DPoP")
	if len(headers) == 0 {
		return rec, nil
	}
	rec.Proof = true
	if len(headers) > 1 {
		return rec, invalidProof("more than one DPoP header")
	}
	// go-jose refuses private key material in an embedded jwk while parsing.
	jws, err := jose.ParseSignedCompact(headers[0], asymmetricAlgs)
	if err != nil {
		return rec, invalidProof("the proof is no compact JWS signed with %s: %v", strings.Join(algNames(asymmetricAlgs), ", "), err)
	}
	head := jws.Signatures[0].Protected
	rec.Alg = head.Algorithm
	if typ, _ := head.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return rec, invalidProof("typ must be dpop+jwt")
	}
	jwk := head.JSONWebKey
	if jwk == nil || !jwk.IsPublic() {
		return rec, invalidProof("the jwk header must hold the public key")
	}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return rec, invalidProof("jwk thumbprint: %v", err)
	}
	rec.JKT = base64.RawURLEncoding.EncodeToString(thumb)
	if !slices.Contains(keyAlgs(jwk.Key), jose.SignatureAlgorithm(rec.Alg)) {
		return rec, invalidProof("alg %s does not fit the jwk", rec.Alg)
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return rec, invalidProof("the signature does not verify with the jwk: %v", err)
	}
	var claims proofClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return rec, invalidProof("the proof's claims are no JSON object: %v", err)
	}
	rec.Nonce = claims.Nonce
	if derr := s.checkProofClaims(r, claims, accessToken); derr != nil {
		return rec, derr
	}
	if needNonce {
		if current := s.CurrentDPoPNonce(); claims.Nonce != current {
			why := "the proof has no nonce"
			if claims.Nonce != "" {
				why = "the proof's nonce is stale"
			}
			return rec, &dpopError{"use_dpop_nonce", why + "; use the DPoP-Nonce header's value"}
		}
	}
	// Last, so a proof refused for another reason does not use up its jti.
	if !s.proofIDs.first(claims.JTI, claims.IAT.Time().Add(dpopProofWindow+s.opts.ClockSkew)) {
		return rec, invalidProof("jti %q was used before (replay)", claims.JTI)
	}
	return rec, nil
}

// checkProofClaims checks jti, htm, htu, iat and, at a resource, ath.
func (s *Server) checkProofClaims(r *http.Request, c proofClaims, accessToken string) *dpopError {
	if c.JTI == "" {
		return invalidProof("jti is required")
	}
	if c.HTM != r.Method {
		return invalidProof("htm %q is not the request method %s", c.HTM, r.Method)
	}
	want := requestURL(r)
	if got, err := normalizeHTU(c.HTU); err != nil || got != want {
		return invalidProof("htu %q is not the request URL %s", c.HTU, want)
	}
	if c.IAT == nil {
		return invalidProof("iat is required")
	}
	limit, age := dpopProofWindow+s.opts.ClockSkew, time.Since(c.IAT.Time())
	if age > limit {
		return invalidProof("iat is %v old, more than %v", age.Round(time.Second), limit)
	}
	if -age > limit {
		return invalidProof("iat is %v in the future, more than %v", -age.Round(time.Second), limit)
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return invalidProof("ath is missing or is not the access token's hash")
		}
	}
	return nil
}

// requestURL is the URL a request was sent to, without query: what htu names.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u, err := normalizeHTU(scheme + "://" + r.Host + r.URL.EscapedPath())
	if err != nil {
		return scheme + "://" + r.Host + r.URL.Path
	}
	return u
}

// normalizeHTU is RFC 9449 §4.3's comparison form: scheme and host in
// lower case, no default port, path without query and fragment.
func normalizeHTU(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("htu %q is no absolute URL", raw)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[scheme])
	path := u.Path
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, nil
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// CurrentDPoPNonce is the nonce proofs must carry when a nonce option is on.
func (s *Server) CurrentDPoPNonce() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nonce
}

// RotateDPoPNonce replaces the nonce and returns the new one; proofs with
// the old one get use_dpop_nonce from now on.
func (s *Server) RotateDPoPNonce() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nonce = newNonce()
	return s.nonce
}

func (s *Server) recordDPoP(rec DPoPRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dpopRequests = append(s.dpopRequests, rec)
	if rec.Error == "use_dpop_nonce" {
		s.nonceAnswers++
	}
}

// DPoPRequests lists what /token and resource requests carried in DPoP
// headers, in order (empty while DPoP is off).
func (s *Server) DPoPRequests() []DPoPRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dpopRequests)
}

// UseDPoPNonceAnswers counts use_dpop_nonce answers, at /token and resources.
func (s *Server) UseDPoPNonceAnswers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nonceAnswers
}
