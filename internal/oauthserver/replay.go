package oauthserver

import (
	"sync"
	"time"
)

// seenIDs remembers jti values until they could no longer be accepted
// anyway, so a replayed assertion or DPoP proof is refused.
type seenIDs struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// first records id as used until the given time and says whether it was new.
// Expired entries are dropped on the way, so the map stays small.
func (s *seenIDs) first(id string, until time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, t := range s.until {
		if t.Before(now) {
			delete(s.until, k)
		}
	}
	if _, seen := s.until[id]; seen {
		return false
	}
	if s.until == nil {
		s.until = map[string]time.Time{}
	}
	s.until[id] = until
	return true
}
