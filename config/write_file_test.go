package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const handConfig = `# team config
[settings]
clipboard_clear = "45s" # agreed

# machine creds
[[environment]]
name = "shared"
flow = "client_credentials"
token_url = "https://example.com/token"
client_id = "a"

# [[environment]]
# name = "commented-out"
`

func writeHand(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPutEnvironmentInFileKeepsEverythingElse(t *testing.T) {
	path := writeHand(t, handConfig, 0o640)
	err := PutEnvironmentInFile(path, Environment{Name: "zs", Preset: "zepto-sandbox", ClientID: "z", RedirectURI: "http://127.0.0.1:8750/callback"})
	if err != nil {
		t.Fatal(err)
	}
	text := readText(t, path)
	if !strings.HasPrefix(text, handConfig) {
		t.Errorf("the original text is not kept as it was:\n%s", text)
	}
	if !strings.Contains(text, "name = \"zs\"\npreset = \"zepto-sandbox\"\nclient_id = \"z\"\n") || strings.Contains(text, "token_url = \"https://go.sandbox") {
		t.Errorf("new block (preset values must not be written):\n%s", text)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
	}
	cfg, err := LoadConfig(path)
	if err != nil || len(cfg.Environments) != 2 {
		t.Fatalf("reads back: %v %+v", err, cfg)
	}
}

func TestPutEnvironmentInFileRefusesAndWritesNothing(t *testing.T) {
	path := writeHand(t, handConfig, 0o600)
	err := PutEnvironmentInFile(path, Environment{Name: "bad", Flow: "client_credentials", TokenURL: "ftp://x", AuthStyle: "magic"})
	if len(ConfigErrors(err)) != 2 {
		t.Errorf("want both problems, got %v", err)
	}
	if readText(t, path) != handConfig {
		t.Error("the file changed")
	}
	// A file that does not load is not edited either.
	broken := handConfig + "[[environment]]\nname = \"x\"\ncolour = \"red\"\n"
	path = writeHand(t, broken, 0o600)
	if err := PutEnvironmentInFile(path, Environment{Name: "ok", Flow: "client_credentials", TokenURL: "https://e.com/t"}); len(ConfigErrors(err)) == 0 {
		t.Errorf("editing a broken file: %v", err)
	}
	if readText(t, path) != broken {
		t.Error("the broken file changed")
	}
}

func TestRemoveEnvironmentFromFileRemovesOnlyThatOne(t *testing.T) {
	text := handConfig + "\n[[environment]]\nname = \"other\"\nflow = \"client_credentials\"\ntoken_url = \"https://example.com/token\"\n"
	path := writeHand(t, text, 0o600)
	if err := RemoveEnvironmentFromFile(path, "shared"); err != nil {
		t.Fatal(err)
	}
	got := readText(t, path)
	if strings.Contains(got, `"shared"`) || strings.Contains(got, "# machine creds") || !strings.Contains(got, "# team config") ||
		!strings.Contains(got, `clipboard_clear = "45s" # agreed`) || !strings.Contains(got, `name = "other"`) {
		t.Errorf("after remove:\n%s", got)
	}
	if err := RemoveEnvironmentFromFile(path, "shared"); !errors.Is(err, ErrNotInFile) {
		t.Errorf("second remove: %v", err)
	}
}

func TestPutSettingsInFileChangesOnlyTheGivenSetting(t *testing.T) {
	path := writeHand(t, handConfig, 0o600)
	if err := PutSettingsInFile(path, Settings{RefreshMargin: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	got := readText(t, path)
	want := strings.Replace(handConfig, "clipboard_clear = \"45s\" # agreed\n", "clipboard_clear = \"45s\" # agreed\nrefresh_margin = \"10m\"\n", 1)
	if got != want {
		t.Errorf("after settings:\n%s\nwant:\n%s", got, want)
	}
	if err := PutSettingsInFile(path, Settings{ClipboardClear: -time.Second}); err == nil {
		t.Error("a negative duration was accepted")
	}
}

func TestAsWrittenLeavesOutWhatThePresetFills(t *testing.T) {
	e, err := ApplyPreset(Environment{Name: "zs", Preset: "zepto-sandbox", ClientID: "z", Scopes: []string{"public", "payments"}})
	if err != nil {
		t.Fatal(err)
	}
	w := AsWritten(e)
	if w.TokenURL != "" || w.AuthURL != "" || w.Flow != "" || w.AuthStyle != "" || strings.Join(w.Scopes, " ") != "public payments" || w.ClientID != "z" {
		t.Errorf("AsWritten: %+v", w)
	}
}
