//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// TestDaemonServesTheSocketSystemdPasses: `tokentray daemon` under
// systemd's socket activation (systemd-socket-activate stands in for
// `systemctl --user start tokentray.socket`): systemd listens, the first
// command starts the daemon, which serves the socket it was passed.
func TestDaemonServesTheSocketSystemdPasses(t *testing.T) {
	activate, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate not found (Debian's systemd package has it)")
	}
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	h.writeConfig(clientCredentialsConfig(srv, env))
	if err := os.MkdirAll(filepath.Dir(h.socket), 0o700); err != nil { // DirectoryMode=0700
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// systemd-socket-activate passes on only the variables named with -E.
	cmd := exec.CommandContext(ctx, activate, "-l", h.socket,
		"-E", "DBUS_SESSION_BUS_ADDRESS", "-E", "XDG_STATE_HOME", "-E", "HOME",
		binary, "daemon", "--config", h.config, "--socket", h.socket)
	cmd.Env = h.environ()
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	waitFor(t, "systemd-socket-activate listening", 10*time.Second, func() bool {
		_, err := os.Stat(h.socket)
		return err == nil
	})

	// The first command makes systemd start the daemon on the socket.
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if tok := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, tok) {
		t.Errorf("the token from the socket-activated daemon is not honoured\n%s", logs)
	}
	if !strings.Contains(logs.String(), "serving the socket systemd passed") {
		t.Errorf("the daemon did not say it serves systemd's socket:\n%s", logs)
	}
}

// TestShippedSystemdUnitsKeepTheSocketPrivate reads the unit files the
// package installs: the socket and its folder are only the user's.
func TestShippedSystemdUnitsKeepTheSocketPrivate(t *testing.T) {
	socketUnit, err := os.ReadFile("../packaging/systemd/tokentray.socket")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"ListenStream=%t/tokentray/tokentray.sock", "SocketMode=0600", "DirectoryMode=0700"} {
		if !strings.Contains(string(socketUnit), "\n"+line+"\n") {
			t.Errorf("tokentray.socket lacks %q", line)
		}
	}
	service, err := os.ReadFile("../packaging/systemd/tokentray.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(service), "\nExecStart=/usr/bin/tokentray daemon\n") {
		t.Error("tokentray.service does not run `tokentray daemon`")
	}
}
