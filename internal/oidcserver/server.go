// Package oidcserver runs a real OpenID provider with the device
// authorization grant (RFC 8628) on loopback for tests: zitadel's
// github.com/zitadel/oidc/v3 op package with its in-memory example
// storage, plus the small user-facing pages a provider shows at the
// verification URI (user code, sign-in, approve or deny).
//
// The OP is set up here rather than with the example's
// exampleop.SetupServer, which fixes the device code lifetime at five
// minutes and the poll interval at five seconds and replaces the process's
// default logger; the pages follow exampleop/device.go.
package oidcserver

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// The registered device client. It authenticates with HTTP Basic at the
// token endpoint, as the example storage's DeviceClient does.
const (
	DeviceClientID     = "device-client"
	DeviceClientSecret = "device-secret"
	// Password of the example storage's test user, whose username is
	// "test-user@<issuer host>" (Server.Username).
	Password = "verysecure"
)

// Options configure a Server. The zero value is a provider like most:
// device codes that live five minutes, a five second poll interval and
// opaque access tokens.
type Options struct {
	// DeviceCodeLifetime is how long a device code may be polled
	// (default 5m). expires_in is whole seconds.
	DeviceCodeLifetime time.Duration
	// PollInterval is the interval the device authorization answer names
	// (default 5s, whole seconds).
	PollInterval time.Duration
	// JWTAccessTokens makes the device client's access tokens signed JWTs
	// (RFC 9068 style) instead of opaque strings.
	JWTAccessTokens bool
}

// Server is a running OpenID provider on 127.0.0.1.
type Server struct {
	// Issuer is http://127.0.0.1:port, which is also where discovery
	// (/.well-known/openid-configuration) is served.
	Issuer string
	// Username of the test user who approves device codes.
	Username string

	http      *httptest.Server
	storage   *storage.Storage
	tokenPath string
	pages     *devicePages

	mu           sync.Mutex
	devicePolls  []time.Time // when each device_code poll arrived, on pollClock
	pollClock    func() time.Time
	slowDownNext int
	requests     map[string]int // by path
}

// Start starts a provider for the test and closes it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("start OpenID provider: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a provider; the caller must Close it.
func New(opts Options) (*Server, error) {
	if opts.DeviceCodeLifetime == 0 {
		opts.DeviceCodeLifetime = 5 * time.Minute
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 5 * time.Second
	}
	if opts.DeviceCodeLifetime < time.Second || opts.PollInterval < time.Second {
		return nil, fmt.Errorf("oidcserver: DeviceCodeLifetime and PollInterval must be at least one second; the protocol counts whole seconds")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oidcserver: listen: %w", err)
	}
	issuer := "http://" + ln.Addr().String()
	s := &Server{Issuer: issuer, pollClock: time.Now, requests: map[string]int{}}

	users := storage.NewUserStore(issuer)
	s.Username = "test-user@127.0.0.1"
	if users.GetUserByUsername(s.Username) == nil {
		ln.Close()
		return nil, fmt.Errorf("oidcserver: the example storage has no user %s", s.Username)
	}
	device := storage.DeviceClient(DeviceClientID, DeviceClientSecret)
	s.storage = storage.NewStorageWithClients(users, map[string]*storage.Client{DeviceClientID: device})
	tokenType := op.AccessTokenTypeBearer
	if opts.JWTAccessTokens {
		tokenType = op.AccessTokenTypeJWT
	}
	st := &clientStorage{Storage: s.storage, tokenType: tokenType}

	provider, err := op.NewProvider(&op.Config{
		CryptoKey:          sha256.Sum256([]byte("oidcserver test key")),
		CryptoKeyId:        "key1",
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.English},
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     opts.DeviceCodeLifetime,
			PollInterval: opts.PollInterval,
			UserFormPath: "/device",
			UserCode:     op.UserCodeBase20,
		},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("oidcserver: provider: %w", err)
	}
	s.tokenPath = provider.TokenEndpoint().Relative()
	s.pages = newDevicePages(s.storage, users)

	mux := http.NewServeMux()
	mux.Handle("/device", s.pages)
	mux.Handle("/device/", s.pages)
	mux.Handle("/", provider)
	s.http = httptest.NewUnstartedServer(s.front(mux))
	s.http.Listener = ln
	s.http.Start()
	return s, nil
}

// Close stops the provider.
func (s *Server) Close() { s.http.Close() }

// DeviceAuthorizationURL is the RFC 8628 device authorization endpoint.
func (s *Server) DeviceAuthorizationURL() string { return s.Issuer + "/device_authorization" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.Issuer + s.tokenPath }

// VerificationURL is where the user enters the code.
func (s *Server) VerificationURL() string { return s.Issuer + "/device" }

// clientStorage is the example storage with the device client's access
// token type chosen by the test (the example storage fixes it to opaque).
type clientStorage struct {
	*storage.Storage
	tokenType op.AccessTokenType
}

func (c *clientStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	cl, err := c.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return tokenTypeClient{Client: cl, tokenType: c.tokenType}, nil
}

type tokenTypeClient struct {
	op.Client
	tokenType op.AccessTokenType
}

func (c tokenTypeClient) AccessTokenType() op.AccessTokenType { return c.tokenType }
