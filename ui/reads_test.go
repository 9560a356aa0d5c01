package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/tokentray/tokentray/platform/socket"
)

func TestCardSaysWhoReadTheTokenLastAndOpensTheLog(t *testing.T) {
	s := validStatus("zepto-sandbox")
	s.LastRead = &socket.Read{Time: now.Add(-12 * time.Second), PID: 4242, UID: 1000, Exe: "/usr/bin/curl", Cmdline: "curl -H ..."}
	c, calls := newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "last read 12s ago by curl (pid 4242)") {
		t.Errorf("card shows %q, want the last read", text)
	}
	test.Tap(button(t, c.root, labelReads))
	if !slices.Equal(*calls, []string{"reads zepto-sandbox"}) {
		t.Errorf("tapping Reads called %q", *calls)
	}
	// The line moves with the clock, like the countdown.
	c.tick(now.Add(50 * time.Second))
	if text := shownText(c.root); !strings.Contains(text, "last read 1m 2s ago by curl (pid 4242)") {
		t.Errorf("after a minute the card shows %q", text)
	}
}

func TestCardWithoutReadsHasNoReadLine(t *testing.T) {
	c, _ := newTestCard(t, validStatus("zepto-sandbox"))
	if text := shownText(c.root); strings.Contains(text, "last read") {
		t.Errorf("card shows %q before any read", text)
	}
	if slices.Contains(buttons(c.root), labelReads) {
		t.Error("a Reads button with nothing to show")
	}
}

func TestReadsViewListsNewestFirstWithoutTokens(t *testing.T) {
	test.NewTempApp(t)
	reads := []socket.Read{
		{Time: now, PID: 2, UID: 1000, Exe: "/usr/bin/curl", Cmdline: "curl https://api", Refreshed: true, Via: "copy"},
		{Time: now.Add(-time.Minute), PID: 1, UID: 1000, Exe: "/usr/local/bin/tokentray", Cmdline: "tokentray token zepto-sandbox"},
	}
	text := shownText(readsView(reads, nil))
	first, second := strings.Index(text, "curl (pid 2)"), strings.Index(text, "tokentray (pid 1)")
	if first < 0 || second < 0 || first > second {
		t.Errorf("reads are not newest first:\n%s", text)
	}
	if !strings.Contains(text, "REFRESHED\n") || !strings.Contains(text, "copy\nyes") {
		t.Errorf("the refresh is not said:\n%s", text)
	}
	if got := shownText(readsView(nil, nil)); !strings.Contains(got, "Nobody has read") {
		t.Errorf("empty log says %q", got)
	}
}

func TestGuardedCardSaysReadsAskFirst(t *testing.T) {
	s := validStatus("zepto-production")
	s.Guarded = true
	c, _ := newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "guarded: each program's read asks you first") {
		t.Errorf("guarded card shows %q", text)
	}
}
