package oauthserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// certLifetime is long enough for any test run, short enough to never matter.
const certLifetime = 24 * time.Hour

// testCA is the CA a TLS server makes for itself, and its serving certificate.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pool   *x509.CertPool
	server tls.Certificate
}

// ClientCert is a client certificate with its private key, for mTLS tests.
type ClientCert struct {
	Certificate *x509.Certificate
	CertPEM     []byte
	KeyPEM      []byte // PKCS#8 "PRIVATE KEY"
	Thumbprint  string // cnf.x5t#S256 of the certificate, see CertThumbprint
	tls         tls.Certificate
}

// TLSCertificate is the certificate for tls.Config.Certificates.
func (c *ClientCert) TLSCertificate() tls.Certificate { return c.tls }

func newTestCA() (*testCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: CA key: %w", err)
	}
	tmpl := certTemplate("oauthserver test CA")
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: CA certificate: %w", err)
	}
	ca := &testCA{cert: cert, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)

	srv := certTemplate("127.0.0.1")
	srv.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	srv.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	srv.DNSNames = []string{"localhost"}
	issued, err := issueCert(srv, cert, key)
	if err != nil {
		return nil, err
	}
	ca.server = issued.tls
	return ca, nil
}

// serverTLSConfig asks clients for a certificate but lets them in without
// one, and without verifying it: the token endpoint and resources decide
// (RFC 8705 §2 leaves the TLS layer to the server).
func (ca *testCA) serverTLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{ca.server},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
	}
}

func certTemplate(cn string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62)) // crypto/rand does not fail
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

// issueCert makes a fresh P-256 key and a certificate for it from tmpl, signed
// by parent's key (tmpl itself for a self-signed one).
func issueCert(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ClientCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: certificate key: %w", err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: certificate key: %w", err)
	}
	return &ClientCert{
		Certificate: cert,
		CertPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Thumbprint:  CertThumbprint(cert),
		tls:         tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert},
	}, nil
}

func clientTemplate(cn string) *x509.Certificate {
	tmpl := certTemplate(cn)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return tmpl
}

// IssueClientCert makes a client certificate for CommonName cn, signed by
// the server's CA (subject DN "CN="+cn). It fails on a server without TLS.
func (s *Server) IssueClientCert(cn string) (*ClientCert, error) {
	if s.ca == nil {
		return nil, errors.New("oauthserver: IssueClientCert needs Options.TLS")
	}
	return issueCert(clientTemplate(cn), s.ca.cert, s.ca.key)
}

// SelfSignedClientCert makes a client certificate no server CA signed, for
// tests of a foreign or pinned certificate.
func SelfSignedClientCert(cn string) (*ClientCert, error) {
	return issueCert(clientTemplate(cn), nil, nil)
}

// CACertPEM is the PEM of the CA that signed the server's certificate, for
// a client to trust; nil on a server without TLS.
func (s *Server) CACertPEM() []byte {
	if s.ca == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ca.cert.Raw})
}

// HTTPClient is an http.Client that trusts the server's CA and, when cert
// is not nil, presents it. On a server without TLS it is a plain client.
func (s *Server) HTTPClient(cert *ClientCert) *http.Client {
	if s.ca == nil {
		return &http.Client{}
	}
	cfg := &tls.Config{RootCAs: s.ca.pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{cert.tls}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

// runningCAs are the CAs of the TLS servers running in this process. Follow
// trusts them, as a browser with the test CA installed would.
var runningCAs = struct {
	sync.Mutex
	byServer map[*Server]*x509.Certificate
}{byServer: map[*Server]*x509.Certificate{}}

func trustCA(s *Server) {
	runningCAs.Lock()
	defer runningCAs.Unlock()
	runningCAs.byServer[s] = s.ca.cert
}

func distrustCA(s *Server) {
	runningCAs.Lock()
	defer runningCAs.Unlock()
	delete(runningCAs.byServer, s)
}

// browserTransport is Follow's transport: the default one unless TLS
// servers run, then one trusting their CAs.
func browserTransport() http.RoundTripper {
	runningCAs.Lock()
	defer runningCAs.Unlock()
	if len(runningCAs.byServer) == 0 {
		return nil
	}
	pool := x509.NewCertPool()
	for _, ca := range runningCAs.byServer {
		pool.AddCert(ca)
	}
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}
}
