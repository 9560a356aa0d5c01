package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
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
	cl := c.client(time.Minute)
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
forgets its tokens (memory and keychain). The client secret stays.`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdLogout(args[0]) }),
	}
}

func (c *cli) cmdLogout(env string) int {
	cl := c.client(time.Minute)
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
		Short: "read the client secret from stdin into the keychain",
		Long: `Reads ENV's client secret from stdin (one trailing newline is dropped) and
stores it in the keychain: through the running tokentray when there is one,
so it takes effect at once, else straight into the keychain. On a terminal
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

	cl := c.client(time.Minute)
	defer cl.Close()
	_, err = cl.SetSecret(context.Background(), env, secret)
	if err == nil {
		fmt.Fprintf(c.stdout, "%s: client secret stored\n", env)
		return exitOK
	}
	if !errors.Is(err, socket.ErrNotRunning) {
		return c.clientFailure(err, env)
	}

	// No running tokentray: check the name against the config, then write
	// the keychain directly; the next start picks it up.
	cfg, err := config.LoadConfig(c.configPath())
	if errors.Is(err, fs.ErrNotExist) {
		return c.fail(exitUsage, fmt.Sprintf("secret set %s: there is no config file at %s; add the environment there first (or in the window)", env, c.configPath()))
	}
	if err != nil {
		return c.fail(exitUsage, err.Error())
	}
	if _, ok := cfg.Environment(env); !ok {
		return c.fail(exitUsage, fmt.Sprintf("unknown environment %q: it is not in %s", env, c.configPath()))
	}
	k, problem := platform.OpenKeychain()
	if problem != "" {
		return c.fail(exitFailure, fmt.Sprintf("secret set %s: %s; start tokentray and run this again to keep the secret for this session", env, problem))
	}
	if err := manager.NewVaultStore(k).SaveSecret(env, manager.StoredSecret{Value: secret}); err != nil {
		return c.fail(exitFailure, fmt.Sprintf("secret set %s: %v", env, err))
	}
	fmt.Fprintf(c.stdout, "%s: client secret stored in the keychain\n", env)
	return exitOK
}

// readSecret reads the secret from stdin. On a terminal it asks for one
// line with echo off; otherwise it reads everything and drops one trailing
// newline.
func (c *cli) readSecret(env string) (config.Secret, error) {
	var raw []byte
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(c.stderr, "client secret for %s: ", env)
		line, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", fmt.Errorf("read the secret: %w", err)
		}
		raw = line
	} else {
		var err error
		raw, err = io.ReadAll(io.LimitReader(c.stdin, maxSecretBytes+1))
		if err != nil {
			return "", fmt.Errorf("read the secret from stdin: %w", err)
		}
	}
	if len(raw) > maxSecretBytes {
		return "", fmt.Errorf("the secret on stdin is longer than %d bytes", maxSecretBytes)
	}
	s := string(raw)
	if strings.HasSuffix(s, "\n") {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	if s == "" {
		return "", errors.New("no secret on stdin: pipe it in, e.g. `tokentray secret set ENV < secret.txt`")
	}
	return config.Secret(s), nil
}
