package host

import (
	"testing"
	"time"
)

func TestThrottleTurnsABurstIntoAFewUpdatesAndKeepsTheLast(t *testing.T) {
	pace := throttle{every: 100 * time.Millisecond}
	runs := 0
	requests := time.NewTicker(time.Millisecond) // a burst: a thousand events a second
	defer requests.Stop()
	burst := time.After(time.Second)
	for done := false; !done; {
		select {
		case <-requests.C:
			pace.request()
		case <-pace.due:
			runs++
			pace.ran()
		case <-burst:
			done = true
		}
	}
	if runs < 5 || runs > 11 {
		t.Errorf("%d updates in a 1 s burst paced at 100 ms, want about 10", runs)
	}
	// The last request of the burst is served, not dropped.
	pace.request()
	select {
	case <-pace.due:
		pace.ran()
	case <-time.After(time.Second):
		t.Fatal("a request after the burst was never served")
	}
	// After a quiet spell a request runs at once.
	time.Sleep(150 * time.Millisecond)
	asked := time.Now()
	pace.request()
	<-pace.due
	if waited := time.Since(asked); waited > 50*time.Millisecond {
		t.Errorf("a lone request waited %v", waited)
	}
}
