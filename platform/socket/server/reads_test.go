package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestReadLogNamesTheReadingProcess(t *testing.T) {
	r := newSocketRig(t, Limits{})
	ctx := context.Background()

	// The engine may have fetched the first token in the background
	// already, or be fetching it: the first read may or may not wait.
	first, err := r.client.Token(ctx, ccName, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.Token(ctx, ccName, 0); err != nil { // the held one
		t.Fatal(err)
	}
	// A token of an hour that must stay valid for two: refreshed first.
	latest, err := r.client.Token(ctx, ccName, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forced, err := r.client.Refresh(ctx, ccName)
	if err != nil {
		t.Fatal(err)
	}

	reads, err := r.client.Reads(ctx, ccName)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first. The first read is either; when it did not refresh,
	// it and the second, by the same program the same way, are one entry.
	wantRefreshed, wantCounts := []bool{true, true, false, true}, []int{1, 1, 1, 1}
	if len(reads) == 3 {
		wantRefreshed, wantCounts = []bool{true, true, false}, []int{1, 1, 2}
	}
	if len(reads) != len(wantRefreshed) {
		t.Fatalf("%d reads, want %d: %+v", len(reads), len(wantRefreshed), reads)
	}
	for i, rd := range reads {
		if rd.Refreshed != wantRefreshed[i] || rd.Count != wantCounts[i] {
			t.Errorf("read %d (newest first): refreshed = %v, count %d; want %v, %d", i, rd.Refreshed, rd.Count, wantRefreshed[i], wantCounts[i])
		}
		if i > 0 && rd.Time.After(reads[i-1].Time) {
			t.Errorf("read %d is newer than read %d: not newest first", i, i-1)
		}
	}
	if runtime.GOOS == "linux" {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		for i, rd := range reads {
			if rd.PID != int32(os.Getpid()) || rd.UID != uint32(os.Getuid()) {
				t.Errorf("read %d: pid %d uid %d, want this test's %d and %d", i, rd.PID, rd.UID, os.Getpid(), os.Getuid())
			}
			if rd.Exe != exe {
				t.Errorf("read %d: exe %q, want the test binary %q", i, rd.Exe, exe)
			}
			if !strings.Contains(rd.Cmdline, "-test.") {
				t.Errorf("read %d: cmdline %q is not this test binary's", i, rd.Cmdline)
			}
		}
	}

	// The raw answer: the contract's keys, and no token anywhere.
	resp, err := unixHTTPClient(r.path).Get("http://tokentray/v1/environments/" + ccName + "/reads")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET reads: %d %s", resp.StatusCode, body)
	}
	for _, key := range []string{`"time"`, `"count"`, `"pid"`, `"uid"`, `"exe"`, `"cmdline"`, `"refreshed"`} {
		if !strings.Contains(string(body), key) {
			t.Errorf("the reads answer lacks %s: %s", key, body)
		}
	}
	for _, tok := range []string{first.AccessToken.Reveal(), latest.AccessToken.Reveal(), forced.AccessToken.Reveal()} {
		if tok == "" || strings.Contains(string(body), tok) {
			t.Fatalf("the reads answer holds a token (or the token is empty)")
		}
	}

	st, err := r.client.Environment(ctx, ccName)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastRead == nil || !st.LastRead.Time.Equal(reads[0].Time) || st.LastRead.PID != reads[0].PID {
		t.Errorf("status last_read = %+v, want the newest read %+v", st.LastRead, reads[0])
	}
}

func TestReadLogOfAnUnknownEnvironmentIs404(t *testing.T) {
	r := newSocketRig(t, Limits{})
	r.wantError("GET", "/v1/environments/nope/reads", nil, http.StatusNotFound, socket.CodeUnknownEnvironment)
	_, err := r.client.Reads(context.Background(), "nope")
	var apiErr *socket.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != socket.CodeUnknownEnvironment {
		t.Fatalf("Reads(nope) = %v, want unknown_environment", err)
	}
	reads, err := r.client.Reads(context.Background(), codeName)
	if err != nil || len(reads) != 0 {
		t.Fatalf("Reads of an environment never read = %v, %v; want none", reads, err)
	}
	// A failed read (needs login) is no read.
	if _, err := r.client.Token(context.Background(), codeName, 0); err == nil {
		t.Fatal("a token of an environment never logged in")
	}
	if reads, _ := r.client.Reads(context.Background(), codeName); len(reads) != 0 {
		t.Fatalf("a failed read was logged: %+v", reads)
	}
}
