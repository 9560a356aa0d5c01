package socket

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureSocketDirCreatesPrivateDir(t *testing.T) {
	for _, sock := range []string{
		filepath.Join(t.TempDir(), "tokentray", "tokentray.sock"),
		filepath.Join(t.TempDir(), "new", "parents", "tokentray.sock"),
	} {
		if err := EnsureSocketDir(sock); err != nil {
			t.Fatal(err)
		}
		assertMode(t, filepath.Dir(sock), 0o700)
		if err := EnsureSocketDir(sock); err != nil {
			t.Fatalf("second call: %v", err)
		}
	}
}

func TestEnsureSocketDirRefusesLooseTokentrayDir(t *testing.T) {
	// Open to others, it may hold what they planted: refused, not tightened.
	dir := filepath.Join(t.TempDir(), "tokentray-1000")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	err := EnsureSocketDir(filepath.Join(dir, "tokentray.sock"))
	if err == nil || !strings.Contains(err.Error(), "mode 0777") || !strings.Contains(err.Error(), "rm -r "+dir) {
		t.Fatalf("EnsureSocketDir = %v; want a refusal naming the mode and the fix", err)
	}
	assertMode(t, dir, 0o777) // left as it was
}

func TestEnsureSocketDirRefusesSharedDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o1777) // like /tmp
	err := EnsureSocketDir(filepath.Join(dir, "my.sock"))
	if err == nil || !strings.Contains(err.Error(), "other users") {
		t.Fatalf("EnsureSocketDir = %v; want a refusal", err)
	}
	assertMode(t, dir, 0o777) // left as it was
}

func TestEnsureSocketDirRefusesSymlink(t *testing.T) {
	tmp := t.TempDir()
	real := filepath.Join(tmp, "elsewhere")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "tokentray")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := EnsureSocketDir(filepath.Join(link, "tokentray.sock")); err == nil {
		t.Fatal("EnsureSocketDir accepted a symlink")
	}
}

func TestEnsureSocketDirRefusesOtherOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "tokentray")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	err := EnsureSocketDir(filepath.Join(dir, "tokentray.sock"))
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Fatalf("EnsureSocketDir = %v; want a refusal naming the owner", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %04o, want %04o", path, got, want)
	}
}
