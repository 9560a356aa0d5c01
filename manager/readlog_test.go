package manager_test

import (
	"context"
	"errors"
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
