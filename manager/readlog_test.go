package manager_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

func TestReadLogKeepsTheNewest200NewestFirst(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	for i := 1; i <= manager.MaxReads+1; i++ {
		reader := manager.Reader{PID: int32(i), UID: 1000, Exe: "/usr/bin/curl"}
		if _, err := r.m.Read(context.Background(), "shared", manager.ReadRequest{Reader: reader}); err != nil {
			t.Fatal(err)
		}
	}
	reads, err := r.m.Reads("shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != manager.MaxReads {
		t.Fatalf("kept %d reads, want %d", len(reads), manager.MaxReads)
	}
	if reads[0].PID != manager.MaxReads+1 || reads[len(reads)-1].PID != 2 {
		t.Fatalf("reads run from pid %d to %d, want %d (newest) to 2 (the oldest kept)", reads[0].PID, reads[len(reads)-1].PID, manager.MaxReads+1)
	}
	for i := 1; i < len(reads); i++ {
		if reads[i].PID != reads[i-1].PID-1 {
			t.Fatalf("read %d has pid %d after pid %d: not newest first", i, reads[i].PID, reads[i-1].PID)
		}
	}
	if reads[0].Time.IsZero() {
		t.Fatal("a read without a time did not get the engine's clock")
	}
	st, err := r.m.Status("shared")
	if err != nil {
		t.Fatal(err)
	}
	if st.LastRead == nil || st.LastRead.PID != manager.MaxReads+1 {
		t.Fatalf("status last_read = %+v, want the newest read", st.LastRead)
	}
}

func TestReadLogOfUnknownEnvironment(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	if _, err := r.m.Reads("nope"); !errors.Is(err, manager.ErrUnknownEnvironment) {
		t.Fatalf("Reads(nope) = %v, want ErrUnknownEnvironment", err)
	}
	reads, err := r.m.Reads("shared")
	if err != nil || reads == nil || len(reads) != 0 {
		t.Fatalf("Reads of a never-read environment = %v, %v; want an empty list", reads, err)
	}
	if st, _ := r.m.Status("shared"); st.LastRead != nil {
		t.Fatalf("last_read before any read = %+v", st.LastRead)
	}
}

func TestReadSaysWhetherItRefreshed(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	ctx := context.Background()
	read := func(minValid time.Duration) manager.Read {
		t.Helper()
		if _, err := r.m.Read(ctx, "shared", manager.ReadRequest{MinValid: minValid}); err != nil {
			t.Fatal(err)
		}
		reads, _ := r.m.Reads("shared")
		return reads[0]
	}
	// The scheduler may fetch the first token before this read, or while
	// it waits: the first read may say either.
	read(0)
	if read(0).Refreshed {
		t.Fatal("second read says it refreshed; want the held token")
	}
	if !read(24 * time.Hour).Refreshed {
		t.Fatal("read with min_valid beyond the expiry does not say it refreshed")
	}
}

func TestRepeatedReadsByOneReaderAreOneEntryWithACount(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	ctx := context.Background()
	events, stop := r.m.Subscribe()
	defer stop()
	curl := manager.Reader{PID: 4242, UID: 1000, Exe: "/usr/bin/curl", Cmdline: "curl http://127.0.0.1:8181/things"}
	httpie := manager.Reader{PID: 4343, UID: 1000, Exe: "/usr/bin/http"}
	read := func(rd manager.Reader, via string, n int) {
		t.Helper()
		for range n {
			if _, err := r.m.Read(ctx, "shared", manager.ReadRequest{Reader: rd, Via: via}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read(curl, manager.ViaProxy, 1) // may wait for the first token: a line of its own then
	start := r.clock.Now()
	read(curl, manager.ViaProxy, 1000)
	r.clock.Advance(2 * time.Second)
	read(curl, manager.ViaProxy, 1)
	read(curl, "", 2)                 // the same program, another way
	read(httpie, manager.ViaProxy, 3) // another program
	read(curl, manager.ViaProxy, 1)   // back again: a new line

	reads, err := r.m.Reads("shared")
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		pid   int32
		via   string
		count int
	}
	var got []line
	for _, rd := range reads {
		got = append(got, line{rd.PID, rd.Via, rd.Count})
	}
	want := []line{{4242, "proxy", 1}, {4343, "proxy", 3}, {4242, "", 2}, {4242, "proxy", 1002}}
	if reads[len(reads)-1].Refreshed { // the first read fetched the token
		want = append(want[:3], line{4242, "proxy", 1001}, line{4242, "proxy", 1})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read log (pid, via, count), newest first:\n got %v\nwant %v", got, want)
	}
	run := reads[3]
	if !run.First.Before(run.Time) || run.Time != start.Add(2*time.Second) {
		t.Errorf("the run of reads spans %v to %v, want up to %v", run.First, run.Time, start.Add(2*time.Second))
	}
	if st, _ := r.m.Status("shared"); st.LastRead == nil || st.LastRead.PID != 4242 || st.LastRead.Count != 1 {
		t.Errorf("status last_read = %+v, want the newest line", st.LastRead)
	}

	// Announced: every new line, and a line that keeps counting at most
	// once a second of the engine's clock; not 1,000 events.
	announced := 0
	for {
		select {
		case ev := <-events:
			if ev.Kind == manager.EventRead {
				announced++
			}
			continue
		default:
		}
		break
	}
	if announced < 5 || announced > 7 {
		t.Errorf("%d read events for 1,008 reads in 6 lines, want one per line and one per second of a running line", announced)
	}
}
