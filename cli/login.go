package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

const usageLogin = `Usage: tokentray login ENV [--no-browser] [--timeout DUR]

Starts the authorization of ENV, prints the authorization URL alone on a line
of stdout (for the device flow also the code to enter), opens the browser
unless --no-browser, and waits until the tokens are stored.
`

func (c *cli) cmdLogin(args []string) int {
	fs := c.flagSet("login", usageLogin)
	noBrowser := fs.Bool("no-browser", false, "only print the URL")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the authorization")
	pos, code, ok := c.commandArgs(fs, args, usageLogin, "ENV")
	if !ok {
		return code
	}
	env := pos[0]
	if *timeout <= 0 {
		return c.fail(exitUsage, "login: --timeout must be positive")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	cl := c.client(time.Minute)
	defer cl.Close()
	// Subscribe first: a quick authorization must not finish unseen.
	events, err := cl.Events(ctx, env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	defer events.Close()

	info, err := cl.Login(ctx, env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	st, err := cl.Environment(ctx, env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	if st.Flow == config.FlowClientCredentials {
		// Login fetched the token before answering: nothing to authorize.
		fmt.Fprintf(c.stdout, "%s: token fetched with client credentials, %s\n", env, timeLeft(st, time.Now()))
		return exitOK
	}
	target := printLoginInfo(c, info)
	if target == "" {
		return c.fail(exitFailure, fmt.Sprintf("login %s: tokentray gave no authorization URL", env))
	}
	if !*noBrowser {
		if err := platform.OpenBrowser(target); err != nil {
			fmt.Fprintln(c.stderr, "tokentray: could not open a browser; open the URL above yourself")
		}
	}

	result := make(chan error, 1)
	go func() { result <- waitLogin(events, env) }()
	select {
	case err = <-result:
	case <-ctx.Done():
		// Ctrl-C or --timeout: end the authorization in the app as well.
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cl.CancelLogin(cctx, env)
		ccancel()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return c.fail(exitFailure, fmt.Sprintf("login %s: not finished within %s; run `tokentray login %s` to try again", env, *timeout, env))
		}
		return c.fail(exitFailure, fmt.Sprintf("login %s: canceled", env))
	}
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("login %s failed: %v; run `tokentray login %s` to try again", env, err, env))
	}
	// stdout keeps the URL alone; the confirmation is for the person.
	fmt.Fprintf(c.stderr, "%s: authorized, tokens stored\n", env)
	return exitOK
}

// printLoginInfo shows where to authorize and returns the URL to open.
// The first line of stdout is always the URL alone.
func printLoginInfo(c *cli, info manager.LoginInfo) string {
	if info.UserCode != "" {
		target := info.VerificationURIComplete
		if target == "" {
			target = info.VerificationURI
		}
		if target == "" {
			target = info.AuthorizationURL
		}
		target = shownURL(target)
		fmt.Fprintln(c.stdout, target)
		verify := shownURL(info.VerificationURI)
		if verify == "" {
			verify = target
		}
		fmt.Fprintf(c.stdout, "code: %s  (enter it at %s if asked)\n", config.Printable(info.UserCode, 64), verify)
		return target
	}
	target := shownURL(info.AuthorizationURL)
	if target != "" {
		fmt.Fprintln(c.stdout, target)
	}
	return target
}

// shownURL keeps a URL from the provider (the device flow's verification
// URI) from carrying escape sequences to the terminal; a real URL has no
// control characters and fits, so it is unchanged.
func shownURL(u string) string {
	return config.Printable(u, 4096)
}

// waitLogin reads events until env's authorization ends.
func waitLogin(events *socket.EventStream, env string) error {
	for {
		ev, err := events.Next()
		if err != nil {
			return fmt.Errorf("lost tokentray while waiting: %w", err)
		}
		if ev.Env != env {
			continue
		}
		switch ev.Kind {
		case manager.EventLoginDone:
			return nil
		case manager.EventLoginFailed:
			msg := config.Printable(ev.Message, 2*config.MaxShown)
			if msg == "" {
				msg = "authorization failed"
			}
			return errors.New(msg)
		}
	}
}
