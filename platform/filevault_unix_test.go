//go:build unix

package platform

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestFileVaultModes(t *testing.T) {
	old := syscall.Umask(0)  // the widest umask there is: the modes must
	defer syscall.Umask(old) // come from the vault, not from the umask
	base := t.TempDir()
	dir := filepath.Join(base, "state", "tokentray")
	path := filepath.Join(dir, "store.age")
	v := openTestVault(t, path)
	mustSave(t, v, "tokens:dev", "v")
	mustSave(t, v, "tokens:dev", "w") // a replacement keeps the mode
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{path, 0o600}, {dir, 0o700}, {filepath.Join(base, "state"), 0o700}} {
		fi, err := os.Lstat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s: mode %04o, want %04o", c.path, got, c.want)
		}
	}
}

func TestFileVaultRefusesOpenModes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "tokentray")
	path := filepath.Join(dir, "store.age")
	v := openTestVault(t, path)
	mustSave(t, v, "tokens:dev", "v")
	before := readBytes(t, path)

	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) || !strings.Contains(err.Error(), "0750") {
		t.Errorf("group-readable directory: %v", err)
	}
	if err := v.Save("tokens:dev", []byte("w")); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("Save into a group-readable directory: %v", err)
	}
	os.Chmod(dir, 0o700)

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) || !strings.Contains(err.Error(), "0644") {
		t.Errorf("world-readable file: %v", err)
	}
	if err := v.Save("tokens:dev", []byte("w")); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("Save over a world-readable file: %v", err)
	}
	if !bytes.Equal(readBytes(t, path), before) {
		t.Fatal("the file changed")
	}
	wantItem(t, v, "tokens:dev", "v")

	// A new vault in an existing open directory is refused at once.
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o755)
	if _, err := OpenFileVault(filepath.Join(open, "store.age"), []byte(testVaultPass), testVaultOpts); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("new vault in a 0755 directory: %v", err)
	}
}

func TestFileVaultRefusesOtherOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "tokentray")
	path := filepath.Join(dir, "store.age")
	mustSave(t, openTestVault(t, path), "tokens:dev", "v")

	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 65534, not by you") {
		t.Errorf("file of another user: %v", err)
	}
	os.Chown(path, 0, 0)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err = OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "store directory "+dir+" is owned by uid 65534") {
		t.Errorf("directory of another user: %v", err)
	}
}

func TestFileVaultFailedWriteReadOnlyDir(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes into a read-only directory (TestFileVaultFailedWriteKeepsState injects the failure instead)")
	}
	dir := filepath.Join(t.TempDir(), "tokentray")
	path := filepath.Join(dir, "store.age")
	v := openTestVault(t, path)
	mustSave(t, v, "tokens:dev", "old")
	before := readBytes(t, path)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if err := v.Save("tokens:dev", []byte("new")); err == nil {
		t.Fatal("Save into a read-only directory succeeded")
	}
	wantItem(t, v, "tokens:dev", "old")
	if !bytes.Equal(readBytes(t, path), before) {
		t.Fatal("the file changed")
	}
	os.Chmod(dir, 0o700)
	if names := dirNames(t, dir); !slices.Equal(names, []string{"store.age"}) {
		t.Errorf("directory holds %q", names)
	}
	mustSave(t, v, "tokens:dev", "new")
	wantItem(t, openTestVault(t, path), "tokens:dev", "new")
}

func TestStorePassphraseRefusesPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pass")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	_, _, err := StorePassphrase(path) // must not wait for a writer
	if err == nil || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
		t.Errorf("named pipe: %v", err)
	}
}

func TestStorePassphraseRefusesOpenModesAndOwners(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pass")
	if err := os.WriteFile(path, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		os.Chmod(path, mode)
		pass, _, err := StorePassphrase(path)
		if err == nil || pass != nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %04o: %q, %v", mode, pass, err)
		}
	}
	os.Chmod(path, 0o400)
	if pass, _, err := StorePassphrase(path); err != nil || string(pass) != "pw" {
		t.Errorf("mode 0400: %q, %v", pass, err)
	}
	if os.Getuid() == 0 {
		os.Chmod(path, 0o600)
		os.Chown(path, 65534, 65534)
		if _, _, err := StorePassphrase(path); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("file of another user: %v", err)
		}
	}
}
