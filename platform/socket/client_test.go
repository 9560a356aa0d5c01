package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/manager"
)

func TestClientWithoutARunningTokentrayIsNotRunning(t *testing.T) {
	path := socketPathForTest(t)
	c := NewClient(path, time.Second)
	if _, err := c.Environments(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("no socket file: err = %v, want ErrNotRunning", err)
	}

	// A socket file left by a crash: connection refused, also "not running".
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := c.Token(context.Background(), "x", 0); !errors.Is(err, ErrNotRunning) {
		t.Errorf("stale socket: err = %v, want ErrNotRunning", err)
	}
	if _, err := c.Events(context.Background(), ""); !errors.Is(err, ErrNotRunning) {
		t.Errorf("events on a stale socket: err = %v, want ErrNotRunning", err)
	}
	os.Remove(path)
}

func TestTokenAnswerRedactsWhenPrinted(t *testing.T) {
	a := TokenAnswer{AccessToken: "very-secret", TokenType: "Bearer"}
	for _, s := range []string{fmt.Sprintf("%v", a), fmt.Sprintf("%+v", a), fmt.Sprint(&a)} {
		if strings.Contains(s, "very-secret") {
			t.Errorf("printed answer shows the token: %s", s)
		}
	}
	b, err := json.Marshal(a)
	if err != nil || !strings.Contains(string(b), `"access_token":"very-secret"`) {
		t.Errorf("JSON answer = %s, %v; want the token in it", b, err)
	}
	var back TokenAnswer
	if err := back.UnmarshalJSON(b); err != nil || back.AccessToken != manager.Secret("very-secret") {
		t.Errorf("round trip: %v %v", back.AccessToken.Reveal(), err)
	}
}
