//go:build linux

package platform

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/enginewait"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// The Secret Service faults (stopped, started again, locked) run in a child
// process on a bus and gnome-keyring of their own: killing the keyring of
// the test session would pull it from under every other package's tests,
// and the D-Bus library keeps one session connection per process.

const keychainFaultsChildEnv = "TOKENTRAY_TEST_KEYCHAIN_FAULTS_CHILD"

// faultsKeyringPassword unlocks the child's login keyring, first and again.
const faultsKeyringPassword = "tokentray-faults-keyring"

func TestSecretServiceStoppedLockedAndBackAgain(t *testing.T) {
	requireKeyring(t)
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		t.Skip("gnome-keyring-daemon is not installed")
	}
	addr := bareBus(t)
	if addr == "" {
		t.Skip("dbus-daemon is not installed")
	}
	dir := t.TempDir()
	for _, d := range []string{"home", "data", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKeychainFaultsChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), keychainFaultsChildEnv+"=1", "GORACE=atexit_sleep_ms=0",
		"DBUS_SESSION_BUS_ADDRESS="+addr,
		"HOME="+filepath.Join(dir, "home"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_RUNTIME_DIR="+filepath.Join(dir, "run"), "GNOME_KEYRING_CONTROL=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	// The child's keyring dies with its bus (bareBus's cleanup); a kill
	// by pid makes sure.
	if pid, perr := os.ReadFile(filepath.Join(dir, "keyring.pid")); perr == nil {
		var p int
		fmt.Sscan(string(pid), &p)
		if p > 0 {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
	if err != nil || !strings.Contains(out.String(), "--- PASS: TestKeychainFaultsChild") {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	if testing.Verbose() {
		t.Logf("child:\n%s", out.String())
	}
}

// TestKeychainFaultsChild is the child of TestSecretServiceStoppedLockedAndBackAgain.
func TestKeychainFaultsChild(t *testing.T) {
	if os.Getenv(keychainFaultsChildEnv) != "1" {
		t.Skip("runs as the child of TestSecretServiceStoppedLockedAndBackAgain")
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	kr := &childKeyring{t: t, conn: conn}
	kr.start()

	srv := oauthserver.Start(t, oauthserver.Options{})
	k := NewKeychain()
	k.timeout = 3 * time.Second // a locked keychain answers with a prompt nobody sees
	store := &deleteCounter{Store: vaultStore(k)}
	env := fmt.Sprintf("faults-%d", time.Now().UnixNano())
	if err := vaultStore(k).SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	clock := fakeclock.New(time.Now())
	m := startKeychainEngine(t, srv, store, clock, env)
	login(t, m, env)
	saved := loadOrFail(t, k, env)

	// 1. The Secret Service goes away.
	kr.kill()
	tok, err := m.Refresh(context.Background(), env)
	if err != nil {
		t.Fatalf("a refresh while the keychain is gone: %v", err)
	}
	if st, _ := m.Status(env); st.State != manager.StateValid || !strings.Contains(st.Warning, "could not save tokens") {
		t.Fatalf("while the keychain is gone: state %s, warning %q", st.State, st.Warning)
	}
	if got, _ := m.Token(context.Background(), env, 0); got.AccessToken != tok.AccessToken {
		t.Fatal("the engine does not serve the new token from memory")
	}
	// A second engine (a restart meanwhile) cannot read: signed out, nothing deleted.
	clock2 := fakeclock.New(clock.Now())
	other := startKeychainEngine(t, srv, store, clock2, env)
	waitUntil(t, "the failed read is shown", func() bool {
		st, _ := other.Status(env)
		return strings.Contains(st.Warning, "could not read the keychain")
	})
	if st, _ := other.Status(env); st.State != manager.StateNeedsLogin {
		t.Errorf("an engine that cannot read the keychain: state %s", st.State)
	}

	// 2. It comes back (same password): the save is retried and lands.
	kr.start()
	if got := loadOrFail(t, k, env); got.RefreshToken != saved.RefreshToken {
		t.Fatal("the item changed while the keychain was away")
	}
	clock.Advance(10 * time.Second)
	waitUntil(t, "the retried save", func() bool {
		got, err := vaultStore(k).LoadTokens(env)
		return err == nil && got != nil && got.AccessToken == tok.AccessToken.Reveal()
	})
	waitUntil(t, "the warning to clear", func() bool { st, _ := m.Status(env); return st.Warning == "" })
	clock2.Advance(11 * time.Second)
	waitUntil(t, "the other engine to read the tokens", func() bool { st, _ := other.Status(env); return st.State == manager.StateValid })

	// 3. A locked collection: every call is time-boxed, nothing hangs,
	// the engine keeps serving and saves once it is unlocked.
	kr.lock()
	began := time.Now()
	_, err = vaultStore(k).LoadTokens(env)
	t.Logf("read from a locked keychain after %s: %v", time.Since(began).Round(time.Millisecond), err)
	if time.Since(began) > k.timeout+2*time.Second {
		t.Fatalf("a read from the locked keychain took %s", time.Since(began))
	}
	tok, err = m.Refresh(context.Background(), env)
	if err != nil {
		t.Fatalf("a refresh while the keychain is locked: %v", err)
	}
	if got, _ := m.Token(context.Background(), env, 0); got.AccessToken != tok.AccessToken {
		t.Fatal("the engine does not serve the new token while the keychain is locked")
	}
	if st, _ := m.Status(env); !strings.Contains(st.Warning, "could not save tokens") {
		t.Fatalf("a save into the locked keychain did not warn: %q", st.Warning)
	}
	kr.unlock()
	clock.Advance(time.Minute)
	waitUntil(t, "the save after unlocking", func() bool {
		got, err := vaultStore(k).LoadTokens(env)
		return err == nil && got != nil && got.AccessToken == tok.AccessToken.Reveal()
	})
	if n := store.deletes(); n != 0 {
		t.Errorf("%d deletes: a failed keychain call deleted something", n)
	}
	_ = vaultStore(k).DeleteTokens(env)
	_ = vaultStore(k).DeleteSecret(env)
}

// An item written by an older tokentray (another JSON shape) or garbage is
// shown as unreadable, never deleted, and replaced only by a new login.
func TestOldOrGarbageItemIsKeptUntilANewLogin(t *testing.T) {
	k := requireKeyring(t)
	for _, old := range []string{
		`{"refresh":"old-refresh-token-1","access":"old-access-token-1","expiry":1700000000}`,
		`not json at all`,
		`{"refresh_token":42}`,
		``,
	} {
		t.Run(fmt.Sprintf("%.12s", old), func(t *testing.T) {
			env := testEnv(t, k)
			if err := keyring.Set(k.service, tokensItem(env), old); err != nil {
				t.Fatal(err)
			}
			_ = vaultStore(k).SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
			srv := oauthserver.Start(t, oauthserver.Options{})
			store := &deleteCounter{Store: vaultStore(k)}
			clock := fakeclock.New(time.Now())
			m := startKeychainEngine(t, srv, store, clock, env)
			waitUntil(t, "the unreadable item is reported", func() bool {
				st, _ := m.Status(env)
				return strings.Contains(st.Warning, "could not read the keychain") && strings.Contains(st.Warning, "nothing was deleted")
			})
			for range 3 { // the engine reads again from time to time
				clock.Advance(11 * time.Second)
				time.Sleep(30 * time.Millisecond)
			}
			if got, err := keyring.Get(k.service, tokensItem(env)); err != nil || got != old {
				t.Fatalf("the old item was changed or removed: %q, %v", got, err)
			}
			if st, _ := m.Status(env); st.State != manager.StateNeedsLogin || strings.Contains(st.Warning, "old-refresh") {
				t.Errorf("state %s, warning %q", st.State, st.Warning)
			}
			login(t, m, env)
			if got := loadOrFail(t, k, env); got.RefreshToken == "" {
				t.Error("a new login did not replace the old item")
			}
			if store.deletes() != 0 {
				t.Error("the unreadable item was deleted")
			}
		})
	}
}

func startKeychainEngine(t *testing.T, srv *oauthserver.Server, store manager.Store, clock *fakeclock.Clock, env string) *manager.Manager {
	t.Helper()
	m, err := manager.New(&config.Config{Environments: []config.Environment{{
		Name: env, Flow: config.FlowAuthorizationCode, AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(),
		ClientID: oauthserver.DefaultClientID,
	}}}, manager.Options{Store: store, Clock: clock, Jitter: func() float64 { return 0 }, Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Close)
	return m
}

func login(t *testing.T, m *manager.Manager, env string) {
	t.Helper()
	info, err := m.Login(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, err := oauthserver.FollowAndCallback(context.Background(), info.AuthorizationURL); err != nil || code != 200 {
		t.Fatalf("callback: %d %v %s", code, err, body)
	}
	if err := enginewait.Login(context.Background(), m, env); err != nil {
		t.Fatal(err)
	}
}

func loadOrFail(t *testing.T, k *Keychain, env string) *manager.StoredTokens {
	t.Helper()
	got, err := vaultStore(k).LoadTokens(env)
	if err != nil || got == nil {
		t.Fatalf("LoadTokens: %v, %v", got, err)
	}
	return got
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deleteCounter counts deletes of tokens, which no failure may cause.
type deleteCounter struct {
	manager.Store
	mu sync.Mutex
	n  int
}

func (d *deleteCounter) DeleteTokens(env string) error {
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	return d.Store.DeleteTokens(env)
}

func (d *deleteCounter) deletes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

func testLog(t *testing.T) *slog.Logger {
	var w io.Writer = io.Discard
	if testing.Verbose() {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// childKeyring is the child's gnome-keyring, found on the bus by name.
type childKeyring struct {
	t    *testing.T
	conn *dbus.Conn
}

const secretsName = "org.freedesktop.secrets"

func (k *childKeyring) running() bool {
	var has bool
	_ = k.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&has)
	return has
}

// start runs gnome-keyring-daemon --unlock with the password: the first
// time it creates the login keyring, later it opens the same one again.
func (k *childKeyring) start() {
	k.t.Helper()
	cmd := exec.Command("gnome-keyring-daemon", "--unlock", "--components=secrets")
	cmd.Stdin = strings.NewReader(faultsKeyringPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		k.t.Fatalf("gnome-keyring-daemon: %v\n%s", err, out)
	}
	waitUntil(k.t, "gnome-keyring on the bus", k.running)
	var pid uint32
	if err := k.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, secretsName).Store(&pid); err == nil {
		_ = os.WriteFile(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "..", "keyring.pid"), []byte(fmt.Sprint(pid)), 0o600)
	}
}

// kill stops the Secret Service the hard way.
func (k *childKeyring) kill() {
	k.t.Helper()
	var pid uint32
	if err := k.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, secretsName).Store(&pid); err != nil {
		k.t.Fatal(err)
	}
	if err := syscall.Kill(int(pid), syscall.SIGKILL); err != nil {
		k.t.Fatal(err)
	}
	waitUntil(k.t, "gnome-keyring gone from the bus", func() bool { return !k.running() })
	// The control directory of the dead daemon would make the next
	// --unlock talk to it instead of starting a new one.
	_ = os.RemoveAll(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "keyring"))
}

// lock locks the login collection through the Secret Service API.
func (k *childKeyring) lock() {
	k.t.Helper()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	obj := k.conn.Object(secretsName, "/org/freedesktop/secrets")
	if err := obj.Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).Store(&locked, &prompt); err != nil {
		k.t.Fatalf("Lock: %v", err)
	}
	if len(locked) != 1 {
		k.t.Fatalf("Lock locked %v (prompt %s)", locked, prompt)
	}
}

// unlock gives the running daemon the password again, through
// gnome-keyring's own unlock-without-prompt call (what its tools use), as
// a user typing it into the unlock dialog would.
func (k *childKeyring) unlock() {
	k.t.Helper()
	service := k.conn.Object(secretsName, "/org/freedesktop/secrets")
	var ignored dbus.Variant
	var session dbus.ObjectPath
	if err := service.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&ignored, &session); err != nil {
		k.t.Fatalf("OpenSession: %v", err)
	}
	login := dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	secret := ss.NewSecret(session, faultsKeyringPassword)
	if call := service.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0, login, secret); call.Err != nil {
		k.t.Fatalf("UnlockWithMasterPassword: %v", call.Err)
	}
	v, err := k.conn.Object(secretsName, login).GetProperty("org.freedesktop.Secret.Collection.Locked")
	if locked, _ := v.Value().(bool); err != nil || locked {
		k.t.Fatalf("the login collection is still locked (%v)", err)
	}
}
