package platform

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// silentSecretService takes the Secret Service's name on bus and never
// answers a call: a keychain stuck behind an unlock prompt nobody sees.
type silentSecretService struct{ stop chan struct{} }

func (s silentSecretService) OpenSession(string, dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-s.stop
	return dbus.MakeVariant(""), "/", nil
}

func (s silentSecretService) Unlock([]dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	<-s.stop
	return nil, "/", nil
}

func (s silentSecretService) SearchItems(map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	<-s.stop
	return nil, nil, nil
}

func startSilentSecretService(t *testing.T, bus string) {
	t.Helper()
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	s := silentSecretService{stop: make(chan struct{})}
	if err := conn.Export(s, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("take org.freedesktop.secrets: %v %v", reply, err)
	}
	t.Cleanup(func() { close(s.stop); conn.Close() })
}

type hangResult struct {
	Problem   string
	ProbeTook time.Duration
	LoadErr   string
	LoadTook  time.Duration
}

const hangChildEnv = "TOKENTRAY_TEST_HANG_CHILD"

// TestSecretServiceThatNeverAnswersTimesOut: neither the start-up probe
// nor a call of the engine hangs on a keychain that never answers. (In a
// child process: the D-Bus library keeps one session connection per
// process.)
func TestSecretServiceThatNeverAnswersTimesOut(t *testing.T) {
	bus := bareBus(t)
	if bus == "" {
		t.Skip("dbus-daemon not found")
	}
	startSilentSecretService(t, bus)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHangChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), hangChildEnv+"=1", "GORACE=atexit_sleep_ms=0", "DBUS_SESSION_BUS_ADDRESS="+bus)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var r hangResult
	if i := strings.IndexByte(string(out), '{'); i < 0 || json.NewDecoder(strings.NewReader(string(out[i:]))).Decode(&r) != nil {
		t.Fatalf("child printed %q", out)
	}
	if !strings.Contains(r.Problem, "did not answer") || r.ProbeTook > probeTimeout+2*time.Second {
		t.Errorf("OpenKeychain on a silent keychain: %q after %s; want it to say so within %s", r.Problem, r.ProbeTook, probeTimeout)
	}
	if !strings.Contains(r.LoadErr, "did not answer") || r.LoadTook > 3*time.Second {
		t.Errorf("a read from a silent keychain: %q after %s; want a timeout after 1s", r.LoadErr, r.LoadTook)
	}
}

// TestHangChild is the child of TestSecretServiceThatNeverAnswersTimesOut.
func TestHangChild(t *testing.T) {
	if os.Getenv(hangChildEnv) != "1" {
		return
	}
	var r hangResult
	start := time.Now()
	_, r.Problem = OpenKeychain()
	r.ProbeTook = time.Since(start)
	k := NewKeychain()
	k.timeout = time.Second
	start = time.Now()
	if _, err := k.Load("tokens:prod"); err != nil {
		r.LoadErr = err.Error()
	}
	r.LoadTook = time.Since(start)
	json.NewEncoder(os.Stdout).Encode(r)
}
