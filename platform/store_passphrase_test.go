package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePassFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store-pass")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStorePassphraseFromFile(t *testing.T) {
	setOrUnset(t, "CREDENTIALS_DIRECTORY", "")
	for content, want := range map[string]string{
		"hunter2":       "hunter2",
		"hunter2\n":     "hunter2",
		"hunter2\r\n":   "hunter2",
		"hunter2\n\n":   "hunter2\n", // one newline only
		" two words \n": " two words ",
	} {
		path := writePassFile(t, content)
		pass, source, err := StorePassphrase(path)
		if err != nil || string(pass) != want {
			t.Errorf("content %q: %q, %v; want %q", content, pass, err, want)
		}
		if source != "file "+path {
			t.Errorf("source = %q", source)
		}
	}
}

func TestStorePassphraseFileWinsOverCredential(t *testing.T) {
	creds := t.TempDir()
	os.WriteFile(filepath.Join(creds, "tokentray-store"), []byte("from-systemd"), 0o400)
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	pass, source, err := StorePassphrase(writePassFile(t, "from-file\n"))
	if err != nil || string(pass) != "from-file" || !strings.HasPrefix(source, "file ") {
		t.Errorf("%q, %q, %v", pass, source, err)
	}
}

func TestStorePassphraseRefusesEmpty(t *testing.T) {
	for _, content := range []string{"", "\n", "\r\n"} {
		path := writePassFile(t, content)
		if pass, _, err := StorePassphrase(path); err == nil || pass != nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("content %q: %q, %v", content, pass, err)
		}
	}
}

func TestStorePassphraseRefusesDirectoryAndMissingFile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := StorePassphrase(dir); err == nil || !strings.Contains(err.Error(), "a directory, not a regular file") {
		t.Errorf("directory: %v", err)
	}
	missing := filepath.Join(dir, "missing")
	if _, _, err := StorePassphrase(missing); err == nil || errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
}

func TestStorePassphraseRefusesHugeFile(t *testing.T) {
	path := writePassFile(t, strings.Repeat("x", maxPassphraseFile+1))
	if _, _, err := StorePassphrase(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge file: %v", err)
	}
}

func TestStorePassphraseFromSystemdCredential(t *testing.T) {
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "tokentray-store"), []byte("from-systemd\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	pass, source, err := StorePassphrase("")
	if err != nil || string(pass) != "from-systemd" || source != "systemd credential tokentray-store" {
		t.Errorf("%q, %q, %v", pass, source, err)
	}
}

func TestStorePassphraseNone(t *testing.T) {
	setOrUnset(t, "CREDENTIALS_DIRECTORY", "")
	if pass, source, err := StorePassphrase(""); !errors.Is(err, ErrNoPassphrase) || pass != nil || source != "" {
		t.Errorf("nothing configured: %q, %q, %v", pass, source, err)
	}
	// A credentials directory without tokentray's credential is no passphrase.
	t.Setenv("CREDENTIALS_DIRECTORY", t.TempDir())
	if _, _, err := StorePassphrase(""); !errors.Is(err, ErrNoPassphrase) {
		t.Errorf("credentials directory without tokentray-store: %v", err)
	}
}

func TestStorePassphraseOpensVault(t *testing.T) {
	path := writePassFile(t, testVaultPass+"\n")
	pass, _, err := StorePassphrase(path)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(privateTempDir(t), "store.age")
	mustSave(t, openTestVault(t, store), "x", "y")
	v, err := OpenFileVault(store, pass, testVaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, v, "x", "y")
}
