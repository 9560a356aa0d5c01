package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/proxy"
)

// defaultProxyListen is --listen left out: loopback, any free port.
const defaultProxyListen = "127.0.0.1:0"

func (c *cli) proxyCommand() *cobra.Command {
	var upstream, listen string
	cmd := &cobra.Command{
		Use:   "proxy ENV --upstream URL [--listen 127.0.0.1:PORT]",
		Short: "forward requests to an API with ENV's token, for tools that cannot fetch one",
		Long: `Runs a local HTTP proxy in the foreground until Ctrl-C, and prints the
address it listens on (port 0, the default, picks a free one). Every
request to it goes to --upstream (method, path under the upstream's path,
query, headers, streamed body), with its Authorization replaced by a
current token of ENV (and a DPoP proof for a DPoP-bound token). A 401 from
the upstream gets one refresh and one retry when the body was at most
1 MiB; otherwise the 401 comes back with a Tokentray-Proxy-Retry header
saying why. Only your own user may connect; the read log names the
program that did, via the proxy.

The tokens come from the running tokentray (started if none runs), so a
guarded environment asks before a new program's first request. To have
tokentray run a proxy all the time, set proxy_listen and proxy_upstream
for the environment in the config file.`,
		Example: `  tokentray proxy zepto-sandbox --upstream https://api.sandbox.zeptopayments.com
  tokentray proxy campaignflow-test --upstream https://api.campaignflow.com.au/api/v2 --listen 127.0.0.1:8181`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run: c.exitWith(func(_ *cobra.Command, args []string) int {
			return c.cmdProxy(args[0], upstream, listen)
		}),
	}
	cmd.Flags().StringVar(&upstream, "upstream", "", "the API's base `URL` to forward to (https:// unless loopback)")
	cmd.Flags().StringVar(&listen, "listen", defaultProxyListen, "listen on `ADDRESS`, a loopback IP and port")
	c.completeNoFiles(cmd, "upstream", "listen")
	return cmd
}

func (c *cli) cmdProxy(env, upstream, listen string) int {
	if upstream == "" {
		return c.fail(exitUsage, "proxy: --upstream URL is required: the API's base URL, e.g. --upstream https://api.example.com")
	}
	if msg := config.ProxyUpstreamProblem(upstream); msg != "" {
		return c.fail(exitUsage, "proxy: --upstream "+msg)
	}
	if msg := config.ProxyListenProblem(listen); msg != "" {
		return c.fail(exitUsage, "proxy: --listen "+msg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cl := c.commandClient(guardedReadTimeout) // a guarded read waits for the user
	defer cl.Close()
	// A running tokentray that knows ENV, before anything listens.
	if _, err := cl.Environment(ctx, env); err != nil {
		return c.clientFailure(err, env)
	}
	target, _ := url.Parse(upstream)
	log := newLogger(c)
	p, err := proxy.New(proxy.Options{Env: env, Upstream: target, Tokens: &proxy.Socket{Client: cl, Env: env}, Log: log})
	if err != nil {
		return c.fail(exitUsage, "proxy: "+err.Error())
	}
	ln, err := proxy.Listen(listen)
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("proxy: cannot listen on %s: %v", listen, err))
	}
	srv := proxy.Serve(ln, p, log)
	fmt.Fprintln(c.stdout, srv.URL())
	fmt.Fprintf(c.stderr, "tokentray: %s forwards to %s with %s's token; Ctrl-C stops it\n", srv.URL(), config.Printable(upstream, 0), shown(env))
	<-ctx.Done()
	closing, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Close(closing)
	return exitOK
}
