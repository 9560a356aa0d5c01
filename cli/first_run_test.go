package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// wantGuidance checks that out tells a newcomer how to add an environment.
func wantGuidance(t *testing.T, out, configPath string) {
	t.Helper()
	for _, want := range []string{"no environments configured yet", configPath, "[[environment]]", "`tokentray presets`", "Add environment"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestStatusWithoutConfigSaysHowToAddAnEnvironment(t *testing.T) {
	dir := t.TempDir()
	configPath := filepath.Join(dir, "config.toml") // not written yet
	var stdout, stderr bytes.Buffer
	code := Run([]string{"--config", configPath, "--socket", filepath.Join(dir, "run", "tokentray.sock"), "status"},
		nil, &stdout, &stderr, Options{})
	// The contract's exit code for "no running tokentray" holds, with its
	// one line on stderr; the guidance comes on stdout.
	if code != exitNoDaemon || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Fatalf("exit %d, want %d with one line; stderr: %s", code, exitNoDaemon, stderr.String())
	}
	wantGuidance(t, stdout.String(), configPath)
	if !strings.Contains(stdout.String(), "start tokentray") {
		t.Errorf("no tokentray runs, and status does not say to start it:\n%s", stdout.String())
	}
}

func TestStatusOfAnEmptyDaemonSaysHowToAddAnEnvironment(t *testing.T) {
	dir := t.TempDir()
	configPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(configPath, []byte("# nothing yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	socketPath := filepath.Join(dir, "run", "tokentray.sock")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := socket.Listen(socketPath, log)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manager.New(&config.Config{}, manager.Options{Store: manager.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	srv := server.NewServer(m, log, server.Limits{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()); m.Close() })

	var stdout, stderr bytes.Buffer
	if code := Run([]string{"--config", configPath, "--socket", socketPath, "status"}, nil, &stdout, &stderr, Options{}); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, stderr.String())
	}
	wantGuidance(t, stdout.String(), configPath)

	stdout.Reset()
	if code := Run([]string{"--config", configPath, "--socket", socketPath, "status", "--json"}, nil, &stdout, &stderr, Options{}); code != exitOK || strings.TrimSpace(stdout.String()) != "[]" {
		t.Errorf("status --json = %d %q, want 0 and []", code, stdout.String())
	}
}

func TestDaemonGuidanceLeavesOutTheWindow(t *testing.T) {
	if g := noEnvironmentsGuidance("/c/config.toml", false); strings.Contains(g, "window") || !strings.Contains(g, "/c/config.toml") {
		t.Errorf("daemon guidance:\n%s", g)
	}
}

// The example a newcomer copies into the file must load.
func TestGuidanceExampleIsAValidConfig(t *testing.T) {
	var example []string
	for _, line := range strings.Split(noEnvironmentsGuidance("/c/config.toml", true), "\n") {
		if strings.HasPrefix(line, "      ") {
			example = append(example, strings.TrimSpace(line))
		}
	}
	cfg, err := config.ParseConfig("config.toml", []byte(strings.Join(example, "\n")))
	if err != nil || len(cfg.Environments) != 1 {
		t.Errorf("the example does not load: %v\n%s", err, strings.Join(example, "\n"))
	}
}
