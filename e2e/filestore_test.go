//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// fileStoreHome is a home whose config keeps secrets and tokens in the
// encrypted file store, with the passphrase in a 0600 file (or, with
// passFile "", none: the daemon starts locked).
func fileStoreHome(t *testing.T, srv *oauthserver.Server, passFile, passphrase string) (*home, string) {
	h := newHome(t)
	env := h.envName("api")
	settings := "[settings]\nstore = \"file\"\n"
	if passFile != "" {
		p := filepath.Join(h.dir, passFile)
		if err := os.WriteFile(p, []byte(passphrase+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		settings += "store_passphrase_file = \"" + p + "\"\n"
	}
	h.writeConfig(settings + "\n" + codeConfig(srv, env))
	return h, env
}

func (h *home) storeFile() string { return filepath.Join(h.dir, "state", "tokentray", "store.age") }

func TestFileStoreKeepsTheLoginAcrossRestartsAndHoldsNothingInPlainText(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h, env := fileStoreHome(t, srv, "passphrase", "correct horse battery staple")
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login: %+v", r)
	}
	tok := strings.TrimSpace(h.mustRun("", "token", env))
	if st := h.statusOf(env); st.Store != "file" || !st.Persistent {
		t.Errorf("status says store %q persistent %v; want the file", st.Store, st.Persistent)
	}
	d.stop()

	data, err := os.ReadFile(h.storeFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{oauthserver.DefaultClientSecret, tok, "correct horse"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the store file holds %.12q… in plain text", secret)
		}
	}
	if fi, _ := os.Stat(h.storeFile()); fi.Mode().Perm() != 0o600 {
		t.Errorf("store file mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(h.storeFile())); fi.Mode().Perm() != 0o700 {
		t.Errorf("store folder mode %04o, want 0700", fi.Mode().Perm())
	}

	// A restart signs in with what the file keeps: no login, no secret.
	h.startDaemon()
	if got := strings.TrimSpace(h.mustRun("", "token", env)); got != tok {
		t.Error("after a restart the token is not the one kept in the file")
	}
	h.mustRun("", "refresh", env)
}

func TestWrongPassphraseIsRefusedAndTheFileIsLeftAsItWas(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h, env := fileStoreHome(t, srv, "passphrase", "right one")
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	d.stop()
	before, err := os.ReadFile(h.storeFile())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "passphrase"), []byte("wrong one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.run("", "daemon")
	h.wantFailure(r, 2, "wrong passphrase")
	// Damaged: a clear error, and the file kept for its owner.
	if err := os.WriteFile(filepath.Join(h.dir, "passphrase"), []byte("right one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(h.storeFile()); !bytes.Equal(after, before) {
		t.Fatal("a refused passphrase changed the store file")
	}
	cut := before[:len(before)/2]
	if err := os.WriteFile(h.storeFile(), cut, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.run("", "daemon")
	h.wantFailure(r, 2, "left as it is")
	if after, _ := os.ReadFile(h.storeFile()); !bytes.Equal(after, cut) {
		t.Fatal("the daemon replaced a store file it could not read")
	}
}

func TestLockedFileStoreWaitsForUnlock(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h, env := fileStoreHome(t, srv, "", "")
	h.startDaemon()
	if st := h.statusOf(env); st.State != socket.StateLocked || st.Next == nil || st.Next.Action != socket.NextUnlock {
		t.Fatalf("status of a locked store: %s %+v; want locked, unlock", st.State, st.Next)
	}
	h.wantFailure(h.run("", "token", env), 1, "tokentray unlock")

	cl := socket.NewClient(h.socket, 30*time.Second)
	defer cl.Close()
	ctx := context.Background()
	if err := cl.Unlock(ctx, []byte("first passphrase")); err != nil { // a new store: this defines it
		t.Fatalf("unlock: %v", err)
	}
	var api *socket.APIError
	if err := cl.Unlock(ctx, []byte("again")); !errors.As(err, &api) || api.Code != socket.CodeNotLocked {
		t.Errorf("a second unlock: %v, want 409 not_locked", err)
	}
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if st := h.statusOf(env); st.State != socket.StateNeedsLogin {
		t.Errorf("after unlock and secret set: %s, want needs_login", st.State)
	}
}
