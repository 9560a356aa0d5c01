//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config file linked from a dotfiles repo stays a link: the save writes
// the file it points to, keeping that file's mode, and leaves no temp file.
func TestSaveConfigFileWritesThroughASymlink(t *testing.T) {
	root := t.TempDir()
	mkdir := func(p string) string {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(dest, at string) {
		if err := os.Symlink(dest, at); err != nil {
			t.Fatal(err)
		}
	}
	dotfiles := mkdir(filepath.Join(root, "dotfiles"))
	shared := mkdir(filepath.Join(dotfiles, "shared"))
	target := filepath.Join(shared, "config.toml")
	if err := os.WriteFile(target, []byte(handConfig), 0o640); err != nil {
		t.Fatal(err)
	}

	// ~/.config/tokentray is a link to dotfiles/tokentray, where
	// config.toml is a relative link to ../shared/config.toml: ".." is
	// taken from the real directory, as the kernel does.
	mkdir(filepath.Join(dotfiles, "tokentray"))
	link("../shared/config.toml", filepath.Join(dotfiles, "tokentray", "config.toml"))
	configDir := filepath.Join(mkdir(filepath.Join(root, "home", ".config")), "tokentray")
	link(filepath.Join(dotfiles, "tokentray"), configDir)
	viaDir := filepath.Join(configDir, "config.toml")

	// An absolute link, and a link to that link.
	absolute := filepath.Join(mkdir(filepath.Join(root, "abs")), "config.toml")
	link(target, absolute)
	chained := filepath.Join(root, "abs", "chained.toml")
	link(absolute, chained)

	for i, path := range []string{viaDir, absolute, chained} {
		id := []string{"via-dir", "absolute", "chained"}[i]
		if err := PutEnvironmentInFile(path, Environment{Name: id, Flow: FlowClientCredentials, TokenURL: "https://a.example/t"}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s: %s is no longer a symlink: %v %v", id, path, fi.Mode(), err)
		}
		if !strings.Contains(readText(t, target), "name = \""+id+"\"") {
			t.Errorf("%s: the target was not written:\n%s", id, readText(t, target))
		}
		if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: target mode %v, want 0640 kept", id, fi.Mode().Perm())
		}
	}
	if text := readText(t, target); !strings.HasPrefix(text, handConfig) {
		t.Errorf("the hand-written text was not kept:\n%s", text)
	}
	for _, dir := range []string{shared, filepath.Join(dotfiles, "tokentray"), filepath.Join(root, "abs")} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".config-") {
				t.Errorf("temp file left in %s: %s", dir, e.Name())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(root, "shared")); err == nil {
		t.Error("the relative link was followed from the link's path, not its real directory")
	}
}

// A link to a file still to be made is written through: the file appears
// where the link points, 0600.
func TestSaveConfigFileWritesThroughADanglingSymlink(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "dotfiles", "tokentray.toml")
	path := filepath.Join(root, "config.toml")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := PutEnvironmentInFile(path, Environment{Name: "x", Flow: FlowClientCredentials, TokenURL: "https://a.example/t"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("target: %v %v", fi, err)
	}
	if cfg, err := LoadConfig(path); err != nil || len(cfg.Environments) != 1 {
		t.Errorf("reads back: %v %+v", err, cfg)
	}
}

// The checks are made on the file the link points to: a link to a file
// others could write is refused, and nothing is written.
func TestSaveConfigFileThroughASymlinkKeepsTheChecks(t *testing.T) {
	target := writeTestConfig(t, handConfig, 0o666)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	err := PutEnvironmentInFile(path, Environment{Name: "x", Flow: FlowClientCredentials, TokenURL: "https://a.example/t"})
	if err == nil || !strings.Contains(err.Error(), "mode 0666 lets other users change it") {
		t.Errorf("err = %v", err)
	}
	if readText(t, target) != handConfig {
		t.Error("the target changed")
	}
}

func TestLinkTargetRefusesALoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := linkTarget(a); err == nil {
		t.Error("a loop of links was followed")
	}
}
