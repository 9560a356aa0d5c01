package host

import (
	"context"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/proxy"
)

// proxies runs the local proxy of every environment with proxy_listen
// and proxy_upstream, in step with the running config (the config file
// service calls apply after each change it applies): a new listen
// address moves the proxy, any other change of the environment swaps
// what it forwards with, and requests under way finish as they began.
// The engine is told each proxy's address for the status (SetProxy).
type proxies struct {
	m   *manager.Manager
	log *slog.Logger

	mu      sync.Mutex
	running map[string]*runningProxy
}

// runningProxy is one environment's proxy, as made for env; srv is nil
// when it could not listen (tried again at the next change).
type runningProxy struct {
	env config.Environment
	srv *proxy.Server
}

func newProxies(m *manager.Manager, log *slog.Logger) *proxies {
	return &proxies{m: m, log: log, running: map[string]*runningProxy{}}
}

// apply starts, changes and stops proxies to match cfg.
func (p *proxies) apply(cfg config.Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := map[string]config.Environment{}
	for _, e := range cfg.Environments {
		if e.HasProxy() {
			want[e.Name] = e
		}
	}
	var gone []string
	for name, rp := range p.running {
		if e, ok := want[name]; !ok || rp.srv == nil || e.ProxyListen != rp.env.ProxyListen {
			gone = append(gone, name)
		}
	}
	p.stop(gone)
	for name, e := range want {
		rp := p.running[name]
		if rp == nil {
			p.start(e)
			continue
		}
		if rp.env.Equal(e) {
			continue
		}
		prx, err := p.newProxy(e)
		if err != nil {
			p.log.Warn("proxy: keeps forwarding as before; the changed environment does not make one", "env", e.Name, "error", err)
			continue
		}
		rp.srv.Swap(prx)
		rp.env = e
		p.log.Info("proxy: forwards with the changed environment", "env", name, "upstream", e.ProxyUpstream)
	}
}

func (p *proxies) newProxy(e config.Environment) (*proxy.Proxy, error) {
	upstream, err := url.Parse(e.ProxyUpstream)
	if err != nil {
		return nil, err
	}
	tokens := proxy.Engine{M: p.m, Env: e.Name}
	return proxy.New(proxy.Options{Env: e.Name, Upstream: upstream, Tokens: tokens, Transport: tokens.Transport(), Log: p.log})
}

// start listens and serves e's proxy. p.mu is held.
func (p *proxies) start(e config.Environment) {
	prx, err := p.newProxy(e)
	if err != nil {
		p.fail(e, err)
		return
	}
	ln, err := proxy.Listen(e.ProxyListen)
	if err != nil {
		p.fail(e, err)
		return
	}
	srv := proxy.Serve(ln, prx, p.log)
	p.running[e.Name] = &runningProxy{env: e, srv: srv}
	p.m.SetProxy(e.Name, manager.ProxyStatus{URL: srv.URL()})
	p.log.Info("proxy: serving", "env", e.Name, "address", srv.URL(), "upstream", e.ProxyUpstream)
}

// fail records why e's proxy does not start. p.mu is held.
func (p *proxies) fail(e config.Environment, err error) {
	p.running[e.Name] = &runningProxy{env: e}
	p.m.SetProxy(e.Name, manager.ProxyStatus{Problem: err.Error()})
	p.log.Warn("proxy: not serving", "env", e.Name, "address", e.ProxyListen, "error", err)
}

// stopWait is how long a stopping proxy lets requests under way finish.
const stopWait = 2 * time.Second

// stop ends the proxies of names side by side, so stopping many waits
// stopWait at most, not stopWait each. p.mu is held.
func (p *proxies) stop(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		rp := p.running[name]
		delete(p.running, name)
		p.m.SetProxy(name, manager.ProxyStatus{})
		if rp == nil || rp.srv == nil {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), stopWait)
			defer cancel()
			rp.srv.Close(ctx)
			p.log.Info("proxy: stopped", "env", name, "address", rp.srv.URL())
		})
	}
	wg.Wait()
}

// close stops them all.
func (p *proxies) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop(slices.Collect(maps.Keys(p.running)))
}
