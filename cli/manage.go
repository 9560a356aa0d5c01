package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) refreshCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "refresh ENV",
		Short:             "force a refresh",
		Long:              "Forces a refresh of ENV's access token now.",
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdRefresh(args[0]) }),
	}
}

func (c *cli) cmdRefresh(env string) int {
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	t, err := cl.Refresh(context.Background(), env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	fmt.Fprintf(c.stdout, "%s: refreshed, expires in %s\n", env, socket.FormatTimeLeft(time.Duration(t.ExpiresIn)*time.Second))
	return exitOK
}

func (c *cli) logoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout ENV",
		Short: "revoke (where supported) and forget the tokens",
		Long: `Revokes ENV's refresh token where the provider has a revocation endpoint and
forgets its tokens (memory and store). The client secret stays.`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdLogout(args[0]) }),
	}
}

func (c *cli) cmdLogout(env string) int {
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	if _, err := cl.Logout(context.Background(), env); err != nil {
		return c.clientFailure(err, env)
	}
	fmt.Fprintf(c.stdout, "%s: logged out\n", env)
	return exitOK
}

func (c *cli) secretCommand() *cobra.Command {
	group := &cobra.Command{
		Use:   "secret",
		Short: "the client secret of an environment",
		Args:  cobra.ArbitraryArgs, // groupRun names what is missing
		Run:   c.exitWith(c.groupRun),
	}
	group.AddCommand(&cobra.Command{
		Use:   "set ENV",
		Short: "read the client secret from stdin into the store",
		Long: `Reads ENV's client secret from stdin (one trailing newline is dropped) and
stores it through the running tokentray (started if none runs), so it takes
effect at once, in the store it uses (the keychain, or the file store). For
private_key_jwt and tls_client_auth it is the PEM private key. On a terminal
it asks for it without echo.`,
		Example: `  tokentray secret set campaignflow-test < secret.txt
  printf '%s' "$SECRET" | tokentray secret set campaignflow-test`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdSecretSet(args[0]) }),
	})
	return group
}

// maxSecretBytes matches the socket's body limit.
const maxSecretBytes = 64 << 10

func (c *cli) cmdSecretSet(env string) int {
	secret, err := c.readSecret(env)
	if err != nil {
		return c.fail(exitUsage, fmt.Sprintf("secret set %s: %v", env, err))
	}

	if s := secret.Reveal(); strings.HasPrefix(s, "-----BEGIN") && !strings.Contains(s, "\n") {
		return c.fail(exitUsage, fmt.Sprintf("secret set %s: a PEM private key has several lines: pass it as a file, `tokentray secret set %s < key.pem`", shown(env), shown(env)))
	}
	// Through the running tokentray (started if need be), so that it
	// takes effect at once and lands in the store it uses.
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	if _, err := cl.SetSecret(context.Background(), env, secret); err != nil {
		return c.clientFailure(err, env)
	}
	fmt.Fprintf(c.stdout, "%s: client secret stored\n", env)
	return exitOK
}

// readSecret reads ENV's client secret (or private key) from stdin.
func (c *cli) readSecret(env string) (config.Secret, error) {
	return c.readHidden(fmt.Sprintf("client secret for %s: ", env), "secret", "tokentray secret set ENV < secret.txt")
}

// readHidden reads what (a secret, a passphrase) from stdin. On a terminal
// it asks for one line with prompt and echo off; otherwise it reads
// everything and drops one trailing newline. example says how to pipe it.
func (c *cli) readHidden(prompt, what, example string) (config.Secret, error) {
	var raw []byte
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, prompt)
		line, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		raw = line
	} else {
		var err error
		raw, err = io.ReadAll(io.LimitReader(c.stdin, maxSecretBytes+1))
		if err != nil {
			return "", fmt.Errorf("read the %s from stdin: %w", what, err)
		}
	}
	if len(raw) > maxSecretBytes {
		return "", fmt.Errorf("the %s on stdin is longer than %d bytes", what, maxSecretBytes)
	}
	s := string(raw)
	if strings.HasSuffix(s, "\n") {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	if s == "" {
		return "", fmt.Errorf("no %s on stdin: pipe it in, e.g. `%s`", what, example)
	}
	return config.Secret(s), nil
}
