package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/manager"
)

func TestHumanDurationReadsLikeAPerson(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{time.Hour + 52*time.Minute + 30*time.Second, "1h 52m"},
		{2*time.Hour - 500*time.Millisecond, "1h 59m"},
		{2 * time.Hour, "2h"},
		{4*time.Minute + 10*time.Second, "4m 10s"},
		{12*time.Minute + 40*time.Second, "12m"},
		{45 * time.Second, "45s"},
		{0, "0s"},
		{51 * time.Hour, "2d 3h"},
	} {
		if got := humanDuration(c.in); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStatusTableSaysTimeLeftAndWhatToDoNext(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour + 52*time.Minute)
	old := now.Add(-3 * time.Minute)
	noKeychain := "no Secret Service on the session bus: tokens are kept in memory only"
	var out bytes.Buffer
	writeStatusTable(&out, []manager.Status{
		{Name: "zepto-sandbox", State: manager.StateValid, ExpiresAt: &exp, Warning: noKeychain},
		{Name: "campaignflow", State: manager.StateNeedsLogin, NextStep: "run `tokentray login campaignflow`", Warning: noKeychain},
		{Name: "cf-test", State: manager.StateExpired, ExpiresAt: &old, Error: "provider unreachable", NextStep: "retrying", Warning: noKeychain},
	}, now)
	want := "zepto-sandbox  valid        expires in 1h 52m\n" +
		"campaignflow   needs_login  no token           run `tokentray login campaignflow`\n" +
		"cf-test        expired      expired 3m ago     provider unreachable; retrying\n" +
		"warning: " + noKeychain + "\n"
	if out.String() != want {
		t.Errorf("status table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestParseArgsTakesFlagsAnywhere(t *testing.T) {
	c := &cli{}
	fs := c.flagSet("token", "")
	format := fs.String("format", "raw", "")
	pos, err := parseArgs(fs, []string{"--format", "json", "dev", "--socket", "/s"})
	if err != nil || strings.Join(pos, ",") != "dev" || *format != "json" || c.socketFlag != "/s" {
		t.Errorf("pos %v err %v format %q socket %q", pos, err, *format, c.socketFlag)
	}
	pos, err = parseArgs(fs, []string{"a", "--", "--format", "b"})
	if err != nil || strings.Join(pos, ",") != "a,--format,b" {
		t.Errorf("after --: pos %v err %v", pos, err)
	}
}
