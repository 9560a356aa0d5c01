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

	"golang.org/x/term"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

const usageRefresh = `Usage: tokentray refresh ENV

Forces a refresh of ENV's access token now.
`

func (c *cli) cmdRefresh(args []string) int {
	fs := c.flagSet("refresh", usageRefresh)
	pos, code, ok := c.commandArgs(fs, args, usageRefresh, "ENV")
	if !ok {
		return code
	}
	env := pos[0]
	cl := c.client(time.Minute)
	defer cl.Close()
	t, err := cl.Refresh(context.Background(), env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	fmt.Fprintf(c.stdout, "%s: refreshed, expires in %s\n", env, socket.FormatTimeLeft(time.Duration(t.ExpiresIn)*time.Second))
	return exitOK
}

const usageLogout = `Usage: tokentray logout ENV

Revokes ENV's refresh token where the provider has a revocation endpoint and
forgets its tokens (memory and keychain). The client secret stays.
`

func (c *cli) cmdLogout(args []string) int {
	fs := c.flagSet("logout", usageLogout)
	pos, code, ok := c.commandArgs(fs, args, usageLogout, "ENV")
	if !ok {
		return code
	}
	env := pos[0]
	cl := c.client(time.Minute)
	defer cl.Close()
	if _, err := cl.Logout(context.Background(), env); err != nil {
		return c.clientFailure(err, env)
	}
	fmt.Fprintf(c.stdout, "%s: logged out\n", env)
	return exitOK
}

const usageSecret = `Usage: tokentray secret set ENV < secret.txt

Reads ENV's client secret from stdin (one trailing newline is dropped) and
stores it in the keychain: through the running tokentray when there is one,
so it takes effect at once, else straight into the keychain.
`

// maxSecretBytes matches the socket's body limit.
const maxSecretBytes = 64 << 10

func (c *cli) cmdSecret(args []string) int {
	flags := c.flagSet("secret", usageSecret)
	pos, code, ok := c.commandArgs(flags, args, usageSecret, "set", "ENV")
	if !ok {
		return code
	}
	if pos[0] != "set" {
		return c.fail(exitUsage, fmt.Sprintf("secret: unknown action %q; usage: %s", pos[0], firstLine(usageSecret)))
	}
	env := pos[1]
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
