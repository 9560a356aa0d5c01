package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) loginCommand() *cobra.Command {
	var noBrowser, paste bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login ENV [--no-browser] [--timeout DUR] [--paste]",
		Short: "authorize in the browser; prints the URL and waits",
		Long: `Starts the authorization of ENV, prints the authorization URL alone on a line
of stdout (for the device flow also the code to enter), opens the browser
unless --no-browser, and waits until the tokens are stored.

With --paste (automatic when ENV's redirect_uri is an https:// URI, where
tokentray cannot listen), it also reads the URL the browser ended on after
you approved (or just the code) from stdin, one line, and finishes the login
with it. With a loopback redirect_uri the listener keeps waiting as well;
whichever comes first wins.`,
		Example: `  tokentray login zepto-sandbox
  tokentray login zepto-production --no-browser --timeout 10m`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run: c.exitWith(func(_ *cobra.Command, args []string) int {
			return c.cmdLogin(args[0], noBrowser, timeout, paste)
		}),
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "only print the URL")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "wait for the authorization at most `DUR`")
	cmd.Flags().BoolVar(&paste, "paste", false, "read the URL the browser ended on (or the code) from stdin")
	c.completeNoFiles(cmd, "timeout")
	return cmd
}

func (c *cli) cmdLogin(env string, noBrowser bool, timeout time.Duration, paste bool) int {
	if timeout <= 0 {
		return c.fail(exitUsage, "login: --timeout must be positive")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cl := c.commandClient(time.Minute)
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
	if !noBrowser {
		if err := platform.OpenBrowser(target); err != nil {
			fmt.Fprintln(c.stderr, "tokentray: could not open a browser; open the URL above yourself")
		}
	}

	result := make(chan error, 1)
	go func() { result <- waitLogin(events, env) }()
	// The paste path: always for a redirect URI tokentray cannot listen
	// on, which the authorization URL names.
	listening := !redirectNeedsPaste(target)
	var pasted <-chan string
	if paste || !listening {
		pasted = readPasted(c.stdin)
		if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			// Only for a person: a script's stderr stays one line.
			fmt.Fprintln(c.stderr, "After you approve, the browser goes to the redirect URI (the page may not load there): "+
				"copy the URL from the address bar, paste it here and press Enter (the code alone works too).")
		}
	}
	for err == nil {
		select {
		case err = <-result:
			if err == nil {
				err = errLoginDone
			}
		case line, ok := <-pasted:
			if !ok {
				pasted = nil
				if !listening {
					c.cancelLogin(env)
					return c.fail(exitFailure, fmt.Sprintf("login %s: stdin ended before a URL was pasted; run `tokentray login %s` and paste the URL the browser ended on", env, env))
				}
				continue
			}
			if cerr := cl.CompleteLogin(ctx, env, line); cerr != nil {
				var api *socket.APIError
				if errors.As(cerr, &api) && api.Code == socket.CodeInvalidPaste {
					// Not an answer at all (a stray line, the wrong thing
					// copied): the login keeps waiting for the right one.
					fmt.Fprintf(c.stderr, "tokentray: that is not the URL the browser ended on (%s); paste it again\n", config.Printable(api.Message, config.MaxShown))
					continue
				}
				return c.pasteFailure(cerr, env)
			}
			err = errLoginDone
		case <-ctx.Done():
			// Ctrl-C or --timeout: end the authorization in the app as well.
			c.cancelLogin(env)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return c.fail(exitFailure, fmt.Sprintf("login %s: not finished within %s; run `tokentray login %s` to try again", env, timeout, env))
			}
			return c.fail(exitFailure, fmt.Sprintf("login %s: canceled", env))
		}
	}
	if err != nil && !errors.Is(err, errLoginDone) {
		return c.fail(exitFailure, fmt.Sprintf("login %s failed: %v; run `tokentray login %s` to try again", env, err, env))
	}
	// stdout keeps the URL alone; the confirmation is for the person.
	fmt.Fprintf(c.stderr, "%s: authorized, tokens stored\n", env)
	return exitOK
}

// printLoginInfo shows where to authorize and returns the URL to open.
// The first line of stdout is always the URL alone.
func printLoginInfo(c *cli, info socket.LoginInfo) string {
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
		case socket.EventLoginDone:
			return nil
		case socket.EventLoginFailed:
			msg := config.Printable(ev.Message, 2*config.MaxShown)
			if msg == "" {
				msg = "authorization failed"
			}
			return errors.New(msg)
		}
	}
}

// errLoginDone ends the wait for a login that succeeded.
var errLoginDone = errors.New("login done")

// cancelLogin ends env's authorization in the app, best effort.
func (c *cli) cancelLogin(env string) {
	cl := c.client(5 * time.Second)
	defer cl.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	_ = cl.CancelLogin(cctx, env)
}

// pasteFailure words a refused paste. The login is ended in the app too:
// this command is the only one that could paste another URL.
func (c *cli) pasteFailure(err error, env string) int {
	var api *socket.APIError
	if !errors.As(err, &api) {
		return c.clientFailure(err, env)
	}
	switch api.Code {
	case socket.CodeStateMismatch, socket.CodeInvalidPaste, socket.CodeProviderError, socket.CodeNoLoginRunning:
		c.cancelLogin(env)
		return c.fail(exitFailure, fmt.Sprintf("login %s failed: %s; run `tokentray login %s` to try again", env, config.Printable(api.Message, 2*config.MaxShown), env))
	}
	c.cancelLogin(env)
	return c.clientFailure(err, env)
}

// maxPastedLine bounds one pasted line; a redirect URL is far shorter.
const maxPastedLine = 64 << 10

// readPasted sends each non-empty line of r on the channel, closed at the
// end of input. Reading stdin cannot be interrupted; the goroutine ends
// with the input or the process.
func readPasted(r io.Reader) <-chan string {
	out := make(chan string, 1)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), maxPastedLine)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				out <- line
			}
		}
	}()
	return out
}

// redirectNeedsPaste reports whether the authorization URL redirects to a
// URI tokentray cannot listen on (an https:// one): then the login is
// finished only by pasting.
func redirectNeedsPaste(authURL string) bool {
	u, err := url.Parse(authURL)
	if err != nil {
		return false
	}
	return config.RedirectNeedsPaste(u.Query().Get("redirect_uri"))
}
