package platform

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// testVaultOpts keeps scrypt cheap: the tests open many vaults.
var testVaultOpts = FileVaultOptions{ScryptWorkFactor: 8}

const testVaultPass = "correct horse battery staple"

func openTestVault(t testing.TB, path string) *FileVault {
	t.Helper()
	v, err := OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err != nil {
		t.Fatalf("OpenFileVault: %v", err)
	}
	return v
}

// privateTempDir is a t.TempDir() only its owner may enter, as the vault
// requires of the directory it lives in.
func privateTempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustSave(t testing.TB, v *FileVault, item, value string) {
	t.Helper()
	if err := v.Save(item, []byte(value)); err != nil {
		t.Fatalf("Save(%q): %v", item, err)
	}
}

func wantItem(t testing.TB, v *FileVault, item, want string) {
	t.Helper()
	got, err := v.Load(item)
	if err != nil {
		t.Fatalf("Load(%q): %v", item, err)
	}
	if got == nil || string(got) != want {
		t.Fatalf("Load(%q) = %q, want %q", item, got, want)
	}
}

func wantNoItem(t testing.TB, v *FileVault, item string) {
	t.Helper()
	got, err := v.Load(item)
	if err != nil || got != nil {
		t.Fatalf("Load(%q) = %q, %v; want nil, nil", item, got, err)
	}
}

func readBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFileVaultRoundTrip(t *testing.T) {
	dir := filepath.Join(privateTempDir(t), "state", "tokentray")
	path := filepath.Join(dir, "store.age")
	v := openTestVault(t, path)
	if v.Path() != path {
		t.Errorf("Path() = %q, want %q", v.Path(), path)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenFileVault created %s before any Save (err %v)", dir, err)
	}
	wantNoItem(t, v, "tokens:dev")
	if got := v.Items(); len(got) != 0 {
		t.Fatalf("Items() of a new vault = %q", got)
	}
	if err := v.Delete("tokens:dev"); err != nil {
		t.Fatalf("Delete of an absent item: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Delete of an absent item wrote the file (err %v)", err)
	}

	mustSave(t, v, "tokens:dev", `{"refresh_token":"r1"}`)
	mustSave(t, v, "client-secret:dev", "s3cret")
	mustSave(t, v, "tokens:prod", `{"refresh_token":"r2"}`)
	mustSave(t, v, "empty", "")
	mustSave(t, v, "tokens:dev", `{"refresh_token":"r3"}`) // overwrite
	binary := []byte{0, 1, 2, 0xff, '\n', 0}
	if err := v.Save("key:dev", binary); err != nil {
		t.Fatal(err)
	}

	check := func(v *FileVault) {
		t.Helper()
		wantItem(t, v, "tokens:dev", `{"refresh_token":"r3"}`)
		wantItem(t, v, "client-secret:dev", "s3cret")
		wantItem(t, v, "tokens:prod", `{"refresh_token":"r2"}`)
		wantItem(t, v, "empty", "")
		wantItem(t, v, "key:dev", string(binary))
		want := []string{"client-secret:dev", "empty", "key:dev", "tokens:dev", "tokens:prod"}
		if got := v.Items(); !slices.Equal(got, want) {
			t.Fatalf("Items() = %q, want %q", got, want)
		}
	}
	check(v)

	// Values are copies both ways.
	binary[0] = 'X'
	got, _ := v.Load("client-secret:dev")
	got[0] = 'X'
	wantItem(t, v, "client-secret:dev", "s3cret")
	binary[0] = 0

	// Reopening with the right passphrase sees everything, whatever the
	// work factor asked for a new vault.
	check(openTestVault(t, path))
	v2, err := OpenFileVault(path, []byte(testVaultPass), FileVaultOptions{ScryptWorkFactor: 12})
	if err != nil {
		t.Fatal(err)
	}
	check(v2)

	if err := v.Delete("tokens:prod"); err != nil {
		t.Fatal(err)
	}
	if err := v.Delete("tokens:prod"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	wantNoItem(t, v, "tokens:prod")
	v3 := openTestVault(t, path)
	wantNoItem(t, v3, "tokens:prod")
	wantItem(t, v3, "tokens:dev", `{"refresh_token":"r3"}`)
	if names := dirNames(t, dir); !slices.Equal(names, []string{"store.age"}) {
		t.Errorf("directory holds %q, want just store.age", names)
	}
}

func TestFileVaultRelativePathIsMadeAbsolute(t *testing.T) {
	t.Chdir(privateTempDir(t))
	v := openTestVault(t, "store.age")
	if !filepath.IsAbs(v.Path()) || filepath.Base(v.Path()) != "store.age" {
		t.Errorf("Path() = %q, want an absolute path", v.Path())
	}
}

func TestFileVaultFileFormat(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, path)
	mustSave(t, v, "tokens:dev", "value")
	data := readBytes(t, path)

	keyBlock, itemsBlock, ok := splitVaultFile(data)
	if !ok {
		t.Fatalf("the file is not two armored parts:\n%s", data)
	}
	if bytes.Count(data, []byte(armor.Header)) != 2 || bytes.Count(data, []byte(armor.Footer)) != 2 {
		t.Fatalf("want exactly two armored parts:\n%s", data)
	}
	// The key part is a plain age file, to the passphrase at the work
	// factor asked for.
	hdr := armoredAgeHeader(t, keyBlock)
	if !strings.Contains(hdr, "\n-> scrypt ") {
		t.Fatalf("key part header %q has no scrypt stanza", hdr)
	}
	if !strings.Contains(hdr, fmt.Sprintf(" %d\n", testVaultOpts.ScryptWorkFactor)) {
		t.Errorf("key part header %q does not carry work factor %d", hdr, testVaultOpts.ScryptWorkFactor)
	}
	if strings.Count(hdr, "\n-> ") != 1 {
		t.Errorf("key part header %q: want exactly one stanza", hdr)
	}
	// The items part is encrypted to an X25519 key, not the passphrase.
	if hdr := armoredAgeHeader(t, itemsBlock); !strings.Contains(hdr, "\n-> X25519 ") || strings.Contains(hdr, "scrypt") {
		t.Errorf("items part header %q: want one X25519 stanza", hdr)
	}

	// And the stock age library opens it the documented way.
	sid, err := age.NewScryptIdentity(testVaultPass)
	if err != nil {
		t.Fatal(err)
	}
	keyText, err := decryptArmored(keyBlock, sid)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(keyText))
	if err != nil || len(ids) != 1 {
		t.Fatalf("key part: %v (%d identities)", err, len(ids))
	}
	plain, err := decryptArmored(itemsBlock, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"tokentray-store","version":1,"items":{"tokens:dev":"` + base64.StdEncoding.EncodeToString([]byte("value")) + `"}}`
	if string(plain) != want {
		t.Errorf("items plaintext = %s, want %s", plain, want)
	}

	// Each save keeps the key part byte for byte and changes the items.
	mustSave(t, v, "tokens:dev", "value2")
	data2 := readBytes(t, path)
	keyBlock2, itemsBlock2, _ := splitVaultFile(data2)
	if !bytes.Equal(keyBlock, keyBlock2) {
		t.Error("Save rewrote the key part")
	}
	if bytes.Equal(itemsBlock, itemsBlock2) {
		t.Error("Save did not change the items part")
	}
}

// armoredAgeHeader returns the text header of an armored age file.
func armoredAgeHeader(t *testing.T, block []byte) string {
	t.Helper()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(armor.NewReader(bytes.NewReader(block))); err != nil {
		t.Fatal(err)
	}
	hdr, _, ok := bytes.Cut(raw.Bytes(), []byte("\n---"))
	if !ok {
		t.Fatalf("no age header end in %q", raw.Bytes())
	}
	return string(hdr) + "\n"
}

func TestFileVaultDefaultWorkFactor(t *testing.T) {
	// Checking the value OpenFileVault makes a new vault with, not running
	// a second of scrypt.
	if n, err := (FileVaultOptions{}).workFactor(); err != nil || n != 18 || DefaultScryptWorkFactor != 18 {
		t.Errorf("zero options: work factor %d, %v; want %d", n, err, 18)
	}
	if n, err := (FileVaultOptions{ScryptWorkFactor: 9}).workFactor(); err != nil || n != 9 {
		t.Errorf("work factor 9: got %d, %v", n, err)
	}
	for _, bad := range []int{-1, 31} {
		if _, err := OpenFileVault(filepath.Join(privateTempDir(t), "s.age"), []byte("pw"), FileVaultOptions{ScryptWorkFactor: bad}); err == nil {
			t.Errorf("work factor %d accepted", bad)
		}
	}
}

func TestFileVaultRefusesEmptyPassphrase(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	if _, err := OpenFileVault(path, nil, testVaultOpts); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty passphrase: %v", err)
	}
}

func TestFileVaultWrongPassphrase(t *testing.T) {
	dir := privateTempDir(t)
	path := filepath.Join(dir, "store.age")
	mustSave(t, openTestVault(t, path), "tokens:dev", "value")
	before := readBytes(t, path)

	for _, pass := range []string{"WRONG-PASS-1", testVaultPass + " ", strings.ToUpper(testVaultPass)} {
		v, err := OpenFileVault(path, []byte(pass), testVaultOpts)
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("passphrase %q: err = %v, want ErrWrongPassphrase", pass, err)
		}
		if v != nil {
			t.Fatal("a vault was returned with the error")
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "left as it is") {
			t.Errorf("error %q does not name the file and say it was left alone", err)
		}
		if strings.Contains(err.Error(), pass) {
			t.Errorf("error %q quotes the passphrase", err)
		}
	}
	if after := readBytes(t, path); !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"store.age"}) {
		t.Errorf("directory holds %q", names)
	}
	wantItem(t, openTestVault(t, path), "tokens:dev", "value")
}

func TestFileVaultUnreadableFiles(t *testing.T) {
	good := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, good)
	mustSave(t, v, "tokens:dev", strings.Repeat("token ", 200))
	mustSave(t, v, "client-secret:dev", "s3cret")
	valid := readBytes(t, good)
	keyBlock, itemsBlock, _ := splitVaultFile(valid)

	// Another vault's items, encrypted to another key.
	other := filepath.Join(privateTempDir(t), "store.age")
	mustSave(t, openTestVault(t, other), "x", "y")
	_, otherItems, _ := splitVaultFile(readBytes(t, other))

	// An age file encrypted to the passphrase directly.
	r, _ := age.NewScryptRecipient(testVaultPass)
	r.SetWorkFactor(8)
	var plainAge bytes.Buffer
	w, _ := age.Encrypt(&plainAge, r)
	w.Write([]byte("hello"))
	w.Close()

	// A key part holding no key.
	noKey, err := encryptArmored([]byte("not a key\n"), r)
	if err != nil {
		t.Fatal(err)
	}
	// A key part encrypted to an X25519 key rather than a passphrase.
	id, _ := age.GenerateX25519Identity()
	x25519Key, _ := encryptArmored([]byte(id.String()+"\n"), id.Recipient())

	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x01
		return b
	}
	mid := len(keyBlock) + len(itemsBlock)/2
	cases := []struct {
		name      string
		data      []byte
		unordered bool // damage the passphrase check itself may see as a wrong passphrase
	}{
		{"empty", nil, false},
		{"truncated to half", valid[:len(valid)/2], false},
		{"truncated in the items part", valid[:mid], false},
		{"last bytes cut", valid[:len(valid)-5], false},
		{"only the key part", keyBlock, false},
		{"garbage", bytes.Repeat([]byte("GARBAGE-MARK\x00\xff"), 100), false},
		{"plain text", []byte("refresh_token = \"r1\"\n"), false},
		{"binary age file", plainAge.Bytes(), false},
		{"armored age file, one part", mustArmor(t, plainAge.Bytes()), false},
		{"items of another vault", append(bytes.Clone(keyBlock), otherItems...), false},
		{"key part without a key", append(noKey, itemsBlock...), false},
		{"key part not passphrase-protected", append(x25519Key, itemsBlock...), false},
		{"byte flipped in the items part", flip(valid, mid), false},
		{"byte flipped in the key part", flip(valid, len(keyBlock)/2), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := privateTempDir(t)
			path := filepath.Join(dir, "store.age")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, pass := range []string{testVaultPass, "wrong", testVaultPass} {
				v, err := OpenFileVault(path, []byte(pass), testVaultOpts)
				if err == nil || v != nil {
					t.Fatalf("opened (%v)", err)
				}
				if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "left as it is") {
					t.Errorf("error %q does not name the file and say it was left alone", err)
				}
				switch {
				case pass != testVaultPass && (errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrUnreadableVault)):
				case errors.Is(err, ErrUnreadableVault):
				case tc.unordered && errors.Is(err, ErrWrongPassphrase):
				default:
					t.Errorf("passphrase %q: err = %v, want ErrUnreadableVault", pass, err)
				}
				if strings.Contains(err.Error(), "refresh_token") || strings.Contains(err.Error(), "GARBAGE-MARK") {
					t.Errorf("error %q quotes the file's content", err)
				}
			}
			if after := readBytes(t, path); !bytes.Equal(after, tc.data) {
				t.Fatal("the file changed")
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"store.age"}) {
				t.Errorf("directory holds %q", names)
			}
		})
	}
}

func mustArmor(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	a := armor.NewWriter(&buf)
	if _, err := a.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFileVaultNewerFormatIsRefused(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, path)
	plain := []byte(`{"format":"tokentray-store","version":2,"items":{},"extra":1}`)
	var buf bytes.Buffer
	buf.Write(v.keyBlock)
	if err := encryptArmoredTo(&buf, plain, v.recipient); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if !errors.Is(err, ErrUnreadableVault) || !strings.Contains(err.Error(), "newer tokentray (format version 2)") {
		t.Errorf("err = %v", err)
	}
}

func TestFileVaultNoPlaintextInFile(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, path)
	secrets := map[string]string{
		"tokens:envNAMEMARKER":        `{"refresh_token":"REFRESHMARKER"}`,
		"client-secret:envNAMEMARKER": "CLIENTSECRETMARKER",
		"private-key:envNAMEMARKER":   "-----BEGIN PRIVATE KEY-----\nPRIVATEKEYMARKER\n",
	}
	for item, value := range secrets {
		mustSave(t, v, item, value)
	}
	data := readBytes(t, path)
	needles := []string{testVaultPass, "NAMEMARKER", "REFRESHMARKER", "CLIENTSECRETMARKER", "PRIVATEKEYMARKER", "AGE-SECRET-KEY", "tokentray-store"}
	for _, value := range secrets {
		needles = append(needles, value, base64.StdEncoding.EncodeToString([]byte(value)))
	}
	for _, n := range needles {
		if bytes.Contains(data, []byte(n)) || bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(n))) {
			t.Errorf("the file contains %q", n)
		}
	}
}

func TestFileVaultItemLimits(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, path)
	if err := v.Save("big", make([]byte, MaxVaultItemSize+1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized item: %v", err)
	}
	if err := v.Save("max", make([]byte, MaxVaultItemSize)); err != nil {
		t.Errorf("item of the largest size: %v", err)
	}
	for _, name := range []string{"", strings.Repeat("n", maxVaultItemName+1), "bad\xffutf8"} {
		if err := v.Save(name, []byte("x")); err == nil {
			t.Errorf("Save(%q) accepted", name)
		}
		if _, err := v.Load(name); err == nil {
			t.Errorf("Load(%q) accepted", name)
		}
	}
	if got := v.Items(); !slices.Equal(got, []string{"max"}) {
		t.Errorf("Items() = %q", got)
	}
	wantItem(t, openTestVault(t, path), "max", string(make([]byte, MaxVaultItemSize)))
}

func TestFileVaultRefusesHugeFile(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxVaultFileSize + 1); err != nil { // sparse
		t.Fatal(err)
	}
	f.Close()
	_, err = OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") || !strings.Contains(err.Error(), "left as it is") {
		t.Errorf("err = %v", err)
	}
}

func TestFileVaultFailedWriteKeepsState(t *testing.T) {
	for _, step := range []string{"create", "rename"} {
		t.Run(step, func(t *testing.T) {
			dir := privateTempDir(t)
			path := filepath.Join(dir, "store.age")
			v := openTestVault(t, path)
			mustSave(t, v, "tokens:dev", "old")
			before := readBytes(t, path)

			v.failWrite = func(s string) error {
				if s == step {
					return errors.New("injected failure")
				}
				return nil
			}
			if err := v.Save("tokens:dev", []byte("new")); err == nil || !strings.Contains(err.Error(), "injected") {
				t.Fatalf("Save: %v", err)
			}
			if err := v.Save("tokens:prod", []byte("new")); err == nil {
				t.Fatal("Save of a new item succeeded")
			}
			if err := v.Delete("tokens:dev"); err == nil {
				t.Fatal("Delete succeeded")
			}
			wantItem(t, v, "tokens:dev", "old")
			wantNoItem(t, v, "tokens:prod")
			if got := v.Items(); !slices.Equal(got, []string{"tokens:dev"}) {
				t.Errorf("Items() = %q", got)
			}
			if after := readBytes(t, path); !bytes.Equal(before, after) {
				t.Fatal("the file changed")
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"store.age"}) {
				t.Errorf("directory holds %q (a temporary file left behind?)", names)
			}

			// Once writes work again the vault carries on from the old state.
			v.failWrite = nil
			mustSave(t, v, "tokens:prod", "p")
			r := openTestVault(t, path)
			wantItem(t, r, "tokens:dev", "old")
			wantItem(t, r, "tokens:prod", "p")
		})
	}
}

func TestFileVaultRefusesFileChangedBehindItsBack(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	a := openTestVault(t, path)
	mustSave(t, a, "tokens:dev", "a")
	b := openTestVault(t, path)
	mustSave(t, b, "tokens:dev", "b")
	written := readBytes(t, path)

	err := a.Save("tokens:dev", []byte("a2"))
	if err == nil || !strings.Contains(err.Error(), "changed by another program") {
		t.Fatalf("Save over a changed file: %v", err)
	}
	if !bytes.Equal(readBytes(t, path), written) {
		t.Fatal("the file changed")
	}
	wantItem(t, a, "tokens:dev", "a")

	// Two new vaults at the same path: the second to save does not replace
	// the first's file (and key).
	path2 := filepath.Join(privateTempDir(t), "store.age")
	c := openTestVault(t, path2)
	d, err := OpenFileVault(path2, []byte("another passphrase"), testVaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, c, "x", "c")
	if err := d.Save("x", []byte("d")); err == nil || !strings.Contains(err.Error(), "created by another program") {
		t.Fatalf("Save over a file created since: %v", err)
	}
	wantItem(t, openTestVault(t, path2), "x", "c")

	// A removed file is not silently recreated either.
	os.Remove(path2)
	if err := c.Save("x", []byte("c2")); err == nil || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("Save after the file was removed: %v", err)
	}
}

func TestFileVaultRefusesSymlinkedFile(t *testing.T) {
	dir := privateTempDir(t)
	real := filepath.Join(dir, "real.age")
	mustSave(t, openTestVault(t, real), "tokens:dev", "v")
	link := filepath.Join(dir, "store.age")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	before := readBytes(t, real)
	_, err := OpenFileVault(link, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), link) {
		t.Fatalf("symlinked file: %v", err)
	}

	// A link put in place after opening is refused by Save.
	v := openTestVault(t, real)
	os.Rename(real, real+".moved")
	if err := os.Symlink(real+".moved", real); err != nil {
		t.Fatal(err)
	}
	if err := v.Save("tokens:dev", []byte("w")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Save through a symlink: %v", err)
	}
	if !bytes.Equal(readBytes(t, real+".moved"), before) {
		t.Fatal("the file behind the link changed")
	}
}

func TestFileVaultRefusesSymlinkedDir(t *testing.T) {
	base := privateTempDir(t)
	realDir := filepath.Join(base, "real")
	if err := os.Mkdir(realDir, 0o700); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(base, "tokentray")
	if err := os.Symlink(realDir, linkDir); err != nil {
		t.Skipf("symlink: %v", err)
	}
	_, err := OpenFileVault(filepath.Join(linkDir, "store.age"), []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), linkDir) {
		t.Fatalf("symlinked directory: %v", err)
	}
}

func TestFileVaultRefusesNonRegularFile(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFileVault(path, []byte(testVaultPass), testVaultOpts)
	if err == nil || !strings.Contains(err.Error(), "a directory, not a regular file") {
		t.Fatalf("directory as the file: %v", err)
	}
}

func TestFileVaultConcurrentUse(t *testing.T) {
	path := filepath.Join(privateTempDir(t), "store.age")
	v := openTestVault(t, path)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := fmt.Sprintf("tokens:env%d", w)
			gone := fmt.Sprintf("client-secret:env%d", w)
			for r := range rounds {
				value := fmt.Sprintf(`{"round":%d,"worker":%d}`, r, w)
				if err := v.Save(mine, []byte(value)); err != nil {
					errs <- err
					return
				}
				if err := v.Save(gone, []byte("s")); err != nil {
					errs <- err
					return
				}
				got, err := v.Load(mine)
				if err != nil || string(got) != value {
					errs <- fmt.Errorf("worker %d round %d: Load = %q, %v; want %q", w, r, got, err, value)
					return
				}
				if err := v.Delete(gone); err != nil {
					errs <- err
					return
				}
				_ = v.Items()
				_, _ = v.Load(fmt.Sprintf("tokens:env%d", (w+1)%workers))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := make([]string, 0, workers)
	for w := range workers {
		want = append(want, fmt.Sprintf("tokens:env%d", w))
	}
	slices.Sort(want)
	for _, vv := range []*FileVault{v, openTestVault(t, path)} {
		if got := vv.Items(); !slices.Equal(got, want) {
			t.Fatalf("Items() = %q, want %q", got, want)
		}
		for w := range workers {
			wantItem(t, vv, fmt.Sprintf("tokens:env%d", w), fmt.Sprintf(`{"round":%d,"worker":%d}`, rounds-1, w))
		}
	}
}

func TestDefaultStorePath(t *testing.T) {
	state := privateTempDir(t)
	setOrUnset(t, "XDG_STATE_HOME", state)
	if got, want := DefaultStorePath(), filepath.Join(state, "tokentray", "store.age"); got != want {
		t.Errorf("with XDG_STATE_HOME: %q, want %q", got, want)
	}
	if runtime.GOOS != "linux" {
		return
	}
	home := privateTempDir(t)
	setOrUnset(t, "HOME", home)
	setOrUnset(t, "XDG_STATE_HOME", "")
	if got, want := DefaultStorePath(), filepath.Join(home, ".local", "state", "tokentray", "store.age"); got != want {
		t.Errorf("without XDG_STATE_HOME: %q, want %q", got, want)
	}
}

// BenchmarkFileVaultOpenDefault opens an existing vault made at the
// default scrypt work factor: the cost of unlocking.
func BenchmarkFileVaultOpenDefault(b *testing.B) {
	path := filepath.Join(privateTempDir(b), "store.age")
	v, err := OpenFileVault(path, []byte(testVaultPass), FileVaultOptions{})
	if err != nil {
		b.Fatal(err)
	}
	mustSave(b, v, "tokens:dev", "v")
	for b.Loop() {
		if _, err := OpenFileVault(path, []byte(testVaultPass), FileVaultOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileVaultSave1000 times one Save to a vault of 1,000 items of
// about 1 KiB: what each token refresh costs.
func BenchmarkFileVaultSave1000(b *testing.B) {
	path := filepath.Join(privateTempDir(b), "store.age")
	v := openTestVault(b, path)
	value := bytes.Repeat([]byte(`{"refresh_token":"0123456789abcdef"}`), 1024/36)
	for i := range 1000 {
		v.items[fmt.Sprintf("tokens:env%04d", i)] = bytes.Clone(value)
	}
	mustSave(b, v, "tokens:env0000", string(value))
	i := 0
	for b.Loop() {
		i++
		if err := v.Save(fmt.Sprintf("tokens:env%04d", i%1000), value); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(readBytes(b, path))), "file-bytes")
}
