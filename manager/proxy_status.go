package manager

import "sync"

// ProxyStatus is the local proxy the host runs for an environment
// (proxy_listen and proxy_upstream), as the status shows it. The engine
// runs no proxy: the host tells it (SetProxy), so that every view reads
// the address where it reads everything else.
type ProxyStatus struct {
	URL     string // "http://127.0.0.1:8181" while it serves
	Problem string // why it does not serve ("127.0.0.1:8181 is in use"), "" when it does
}

// proxyStatuses holds each environment's ProxyStatus by name; they
// outlive the environment values SetConfig replaces. The zero value is ready.
type proxyStatuses struct {
	mu     sync.Mutex
	byName map[string]ProxyStatus
}

func (p *proxyStatuses) get(name string) ProxyStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byName[name]
}

// set records st for name and reports whether it changed.
func (p *proxyStatuses) set(name string, st ProxyStatus) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byName[name] == st {
		return false
	}
	if p.byName == nil {
		p.byName = map[string]ProxyStatus{}
	}
	if st == (ProxyStatus{}) {
		delete(p.byName, name)
	} else {
		p.byName[name] = st
	}
	return true
}

// SetProxy records the proxy the host runs for name (the zero value:
// none), and announces the change (EventState).
func (m *Manager) SetProxy(name string, st ProxyStatus) {
	if !m.proxies.set(name, st) {
		return
	}
	if e, err := m.env(name); err == nil {
		e.changed(EventState, "")
	}
}
