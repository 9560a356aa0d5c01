package oidcserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// front counts requests by path and sees device_code polls at the token
// endpoint before the provider does: it stamps them and, when asked,
// answers slow_down. zitadel never says slow_down on its own (it only
// does when its storage times out), so a test that wants one asks here.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		s.mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == s.tokenPath {
			// The provider reads r.Form too; ParseForm keeps what it parsed.
			if err := r.ParseForm(); err == nil && r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code" {
				s.mu.Lock()
				s.devicePolls = append(s.devicePolls, s.pollClock())
				slow := s.slowDownNext > 0
				if slow {
					s.slowDownNext--
				}
				s.mu.Unlock()
				if slow {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Cache-Control", "no-store")
					w.WriteHeader(http.StatusBadRequest)
					_ = json.NewEncoder(w).Encode(map[string]string{
						"error":             "slow_down",
						"error_description": "polling too fast",
					})
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SlowDownNext makes the next n device_code polls answer slow_down
// (RFC 8628 §3.5) instead of reaching the provider.
func (s *Server) SlowDownNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowDownNext = n
}

// SetPollClock sets the clock that stamps device_code polls (default
// time.Now), so a test with a fake engine clock can measure intervals
// in the engine's time.
func (s *Server) SetPollClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollClock = now
}

// DevicePolls are the times device_code polls arrived, oldest first.
func (s *Server) DevicePolls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.devicePolls)
}

// Requests is how many requests arrived for path, e.g.
// "/.well-known/openid-configuration".
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}
