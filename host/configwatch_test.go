package host

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/manager"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const watchedConfig = `# by hand
[[environment]]
name = "one"
flow = "client_credentials"
token_url = "https://example.com/token"
client_id = "a"
`

func waitForConfig(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigWatcherAppliesHandEditsAndKeepsTheRunningConfigOnABrokenOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(watchedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cf := NewConfigFile(path, log)
	cfg, err := cf.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := manager.New(cfg, manager.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	cf.Attach(m)
	defer cf.Watch()()
	names := func() string {
		var out []string
		for _, st := range m.Environments() {
			out = append(out, st.Name)
		}
		return strings.Join(out, ",")
	}

	// A hand edit written in place (an editor saving): applied live.
	added := watchedConfig + "\n[[environment]]\nname = \"two\"\nflow = \"client_credentials\"\ntoken_url = \"https://example.com/token\"\nclient_id = \"b\"\n[settings]\nclipboard_clear = \"90s\"\n"
	if err := os.WriteFile(path, []byte(added), 0o600); err != nil {
		t.Fatal(err)
	}
	waitForConfig(t, "the added environment", func() bool { return names() == "one,two" })
	if got := m.Config().Settings.ClipboardClear; got != 90*time.Second {
		t.Errorf("clipboard_clear %v after the edit", got)
	}

	// A broken edit, written atomically (temp file and rename): reported,
	// and the running config stays.
	broken := strings.Replace(added, `name = "two"`, "name = \"two\"\ncolour = \"red\"", 1)
	broken = strings.Replace(broken, "https://example.com/token\"\nclient_id = \"a\"", "ftp://example.com/token\"\nclient_id = \"a\"", 1)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitForConfig(t, "the broken edit reported", func() bool { return strings.Count(logs.String(), "does not load") >= 2 })
	if n := strings.Count(logs.String(), "problem="); n != 2 {
		t.Errorf("logged %d problems, want both:\n%s", n, logs.String())
	}
	if names() != "one,two" {
		t.Errorf("after a broken edit the engine runs %s", names())
	}
	for _, want := range []string{"colour", "token_url", "running config is kept"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}

	// Fixed again: applied.
	if err := os.WriteFile(path, []byte(watchedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	waitForConfig(t, "the fixed file applied", func() bool { return names() == "one" })
}

// A first start has no config folder: the host makes it (0700) and
// watches it, so the first hand-written config applies live.
func TestFirstStartWithoutAConfigFolderAppliesTheFirstHandEditLive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokentray")
	path := filepath.Join(dir, "config.toml")
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cf := NewConfigFile(path, log)
	cfg, err := cf.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := manager.New(cfg, manager.Options{Logger: log, Store: manager.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	cf.Attach(m)
	defer cf.Watch()()

	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("config folder after the start: %v, %v; want it made 0700", fi, err)
	}
	if err := os.WriteFile(path, []byte(watchedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	waitForConfig(t, "the first environment, written by hand", func() bool { return len(m.Environments()) == 1 })
	if strings.Contains(logs.String(), "next start") {
		t.Errorf("the log still says edits wait for the next start:\n%s", logs.String())
	}
}
