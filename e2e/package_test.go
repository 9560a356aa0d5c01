//go:build linux

package e2e

import (
	"cmp"
	"debug/elf"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform"
)

// TestPackage builds the .deb as `make dist` does (into a temp dir, not
// the checkout's bin/ and dist/), installs it into a scratch root with
// dpkg-deb -x and runs tokentray from there. Warm, this costs a few
// seconds (two links and nfpm); from a cold cache nfpm's own build adds
// about 40 s.
func TestPackage(t *testing.T) {
	for _, tool := range []string{"make", "dpkg-deb", "desktop-file-validate"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: scripts/deps.sh test installs it (make test does)", tool)
		}
	}
	tmp := t.TempDir()
	start := time.Now()
	cmd := exec.Command("make", "--no-print-directory", "-C", "..", "dist",
		"BINDIR="+filepath.Join(tmp, "bin"), "DISTDIR="+filepath.Join(tmp, "dist"))
	cmd.Env = makeEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make dist: %v\n%s", err, out)
	}
	t.Logf("make dist took %s", time.Since(start).Round(100*time.Millisecond))
	debs, _ := filepath.Glob(filepath.Join(tmp, "dist", "tokentray_*_amd64.deb"))
	if len(debs) != 1 {
		t.Fatalf("make dist made %d packages, want 1: %v", len(debs), debs)
	}
	deb := debs[0]
	root := filepath.Join(tmp, "root")
	if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}

	t.Run("Files", func(t *testing.T) {
		want := []string{
			"usr/bin/tokentray",
			strings.TrimPrefix(platform.WindowLibexecDir, "/") + "/tokentray-window",
			"usr/lib/systemd/user/tokentray.service",
			"usr/lib/systemd/user/tokentray.socket",
			"usr/share/applications/tokentray.desktop",
			"usr/share/doc/tokentray/README.md",
			"usr/share/icons/hicolor/256x256/apps/tokentray.png",
			"usr/lib/tokentray/libX11.so", // a link, see ClipboardFindsLibX11
		}
		var got []string
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				got = append(got, rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the package holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for _, exe := range executablesIn(root) {
			if st, err := os.Stat(exe); err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("%s is not an executable 0755 file: %v", exe, err)
			}
			// Stripped, as Debian ships binaries: no symbol table and no
			// DWARF (a Go panic still prints its stack from pclntab).
			f, err := elf.Open(exe)
			if err != nil {
				t.Errorf("%s: %v", exe, err)
				continue
			}
			for _, name := range []string{".symtab", ".debug_info"} {
				if f.Section(name) != nil {
					t.Errorf("%s is not stripped: it has %s", exe, name)
				}
			}
			f.Close()
		}
	})

	t.Run("RunsFromTheScratchRoot", func(t *testing.T) {
		h := newHome(t)
		tokentray := executablesIn(root)[0]
		out, err := runIn(h, tokentray, "--version")
		wantVersion := "tokentray " + gitOr("dev", "describe", "--tags", "--always", "--dirty") +
			" (commit " + gitOr("unknown", "rev-parse", "--short", "HEAD") + ")"
		if err != nil || strings.TrimSpace(out) != wantVersion {
			t.Errorf("tokentray --version: %v\n%q\nwant %q", err, out, wantVersion)
		}
		out, err = runIn(h, tokentray, "presets")
		if err != nil || !strings.Contains(out, "zepto-sandbox") {
			t.Errorf("tokentray presets: %v\n%s", err, out)
		}
	})

	t.Run("Control", func(t *testing.T) {
		field := func(name string) []string {
			out, err := exec.Command("dpkg-deb", "-f", deb, name).Output()
			if err != nil {
				t.Fatalf("dpkg-deb -f %s: %v", name, err)
			}
			var names []string
			for _, dep := range strings.Split(string(out), ",") {
				dep, _, _ = strings.Cut(strings.TrimSpace(dep), " ")
				names = append(names, dep)
			}
			return names
		}
		depends := field("Depends")
		// Every library the executables link, by the package that ships it
		// here, and what GLFW and the clipboard load with dlopen.
		want := []string{"libxcursor1", "libxrandr2", "libxinerama1", "libxi6", "libxxf86vm1", "libxrender1", "libx11-6"}
		want = append(want, packagesOfLinkedLibraries(t, executablesIn(root)...)...)
		for _, p := range want {
			if !slices.Contains(depends, p) {
				t.Errorf("Depends lacks %s: %v", p, depends)
			}
		}
		if slices.Contains(depends, "libx11-dev") {
			t.Errorf("Depends names a -dev package: %v", depends)
		}
		recommends := field("Recommends")
		for _, p := range []string{"gnome-keyring", "xdg-utils"} {
			if !slices.Contains(recommends, p) {
				t.Errorf("Recommends lacks %s: %v", p, recommends)
			}
		}
		version := strings.Join(field("Version"), "")
		if filepath.Base(deb) != "tokentray_"+version+"_amd64.deb" {
			t.Errorf("the file %s is not named for its version %s", filepath.Base(deb), version)
		}
		if out, err := exec.Command("dpkg", "--validate-version", version).CombinedOutput(); err != nil {
			t.Errorf("version %q: %v %s", version, err, out)
		}
	})

	// The clipboard library dlopens "libX11.so", which only libx11-dev
	// ships: the package links that name to libx11-6's library in
	// /usr/lib/tokentray, and the executables look there first.
	t.Run("ClipboardFindsLibX11", func(t *testing.T) {
		link := filepath.Join(root, "usr/lib/tokentray/libX11.so")
		target, err := os.Readlink(link)
		if err != nil {
			t.Fatalf("no link %s: %v", link, err)
		}
		if out, err := exec.Command("dpkg", "-S", target).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "libx11-6:") {
			t.Errorf("the link points at %s, which libx11-6 does not ship: %v %s", target, err, out)
		}
		for _, exe := range executablesIn(root) {
			out, err := exec.Command("readelf", "-d", exe).Output()
			if err != nil {
				t.Fatalf("readelf -d %s: %v", exe, err)
			}
			if !strings.Contains(string(out), "Library runpath: [$ORIGIN/../lib/tokentray]") {
				t.Errorf("%s does not look in ../lib/tokentray first:\n%s", exe, out)
			}
		}
	})

	t.Run("DesktopEntryValidates", func(t *testing.T) {
		entry := filepath.Join(root, "usr", "share", "applications", "tokentray.desktop")
		out, err := exec.Command("desktop-file-validate", entry).CombinedOutput()
		if err != nil || len(out) > 0 { // hints too: none is expected
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
		text, err := os.ReadFile(entry)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{"Exec=tokentray", "Icon=tokentray"} {
			if !strings.Contains(string(text), "\n"+line+"\n") {
				t.Errorf("the desktop entry lacks %q", line)
			}
		}
	})
}

// TestPackageVersionIsADebianVersion: git describe's versions made into
// Debian versions (scripts/dist.sh) that dpkg accepts and sorts in release
// order.
func TestPackageVersionIsADebianVersion(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not found")
	}
	debVersion := func(v string) string {
		out, err := exec.Command("../scripts/dist.sh", "--deb-version", v).Output()
		if err != nil {
			t.Fatalf("dist.sh --deb-version %s: %v", v, err)
		}
		return strings.TrimSpace(string(out))
	}
	for v, want := range map[string]string{
		"v1.2.0":                  "1.2.0",
		"v1.2.0-rc1":              "1.2.0~rc1",
		"v1.2.0-dirty":            "1.2.0+dirty",
		"v1.2.0-5-gabc1234":       "1.2.0+5.gabc1234",
		"v1.2.0-5-gabc1234-dirty": "1.2.0+5.gabc1234.dirty",
		"a68a524-dirty":           "0.0.0+a68a524.dirty", // no tag yet
		"dev":                     "0.0.0+dev",
	} {
		got := debVersion(v)
		if got != want {
			t.Errorf("%s: got %s, want %s", v, got, want)
		}
		if out, err := exec.Command("dpkg", "--validate-version", got).CombinedOutput(); err != nil {
			t.Errorf("%s: %v %s", got, err, out)
		}
	}
	order := []string{"v1.2.0-rc1", "v1.2.0", "v1.2.0-5-gabc1234", "v1.2.0-5-gabc1234-dirty", "v1.2.1"}
	for i := 1; i < len(order); i++ {
		a, b := debVersion(order[i-1]), debVersion(order[i])
		if err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("%s (%s) does not sort before %s (%s)", a, order[i-1], b, order[i])
		}
	}
}

// makeEnv is the environment for a nested make: none of the Makefile's
// variables, and not the outer make's job server.
func makeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VERSION", "COMMIT", "BINDIR", "DISTDIR", "GO":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runIn runs an executable with the home's environment: its output and
// any error.
func runIn(h *home, exe string, args ...string) (string, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = h.environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gitOr is what git prints for args in the checkout, or fallback, as the
// Makefile's VERSION and COMMIT are.
func gitOr(fallback string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		return fallback
	}
	return strings.TrimSpace(string(out))
}

// executablesIn are the two executables of the package installed at root:
// tokentray in /usr/bin, and the window where tokentray looks for it.
func executablesIn(root string) []string {
	return []string{
		filepath.Join(root, "usr", "bin", "tokentray"),
		filepath.Join(root, platform.WindowLibexecDir, "tokentray-window"),
	}
}

// packagesOfLinkedLibraries names the Debian packages that ship the
// shared libraries the executables link (their NEEDED entries): the file
// the dynamic linker would load (ldconfig -p), and its package (dpkg -S).
func packagesOfLinkedLibraries(t *testing.T, exes ...string) []string {
	t.Helper()
	cache, err := exec.Command("ldconfig", "-p").Output()
	if err != nil {
		t.Fatalf("ldconfig -p: %v", err)
	}
	paths := map[string][]string{} // library -> where dpkg may know it
	var all []string
	for _, exe := range exes {
		f, err := elf.Open(exe)
		if err != nil {
			t.Fatal(err)
		}
		libs, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, lib := range libs {
			paths[lib] = nil
			for _, line := range strings.Split(string(cache), "\n") {
				// "\tlibGL.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libGL.so.1"
				fields := strings.Fields(line)
				if len(fields) == 4 && fields[0] == lib && strings.Contains(fields[1], "x86-64") {
					// A package has the file under /lib or /usr/lib.
					p := strings.TrimPrefix(fields[3], "/usr")
					paths[lib] = []string{p, "/usr" + p}
					all = append(all, p, "/usr"+p)
					break
				}
			}
		}
	}
	// One dpkg call (each takes a while); it fails for the paths no
	// package has, and prints the others.
	out, _ := exec.Command("dpkg", append([]string{"-S"}, all...)...).Output()
	owner := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		// "libgl1:amd64: /usr/lib/x86_64-linux-gnu/libGL.so.1"
		if pkg, rest, ok := strings.Cut(line, ":"); ok {
			owner[rest[strings.LastIndex(rest, " ")+1:]] = pkg
		}
	}
	var pkgs []string
	for lib, candidates := range paths {
		var pkg string
		for _, p := range candidates {
			pkg = cmp.Or(pkg, owner[p])
		}
		if pkg == "" {
			t.Errorf("%s is linked, but no installed package ships it", lib)
		} else if !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	return pkgs
}
