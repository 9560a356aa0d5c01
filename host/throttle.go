package host

import "time"

// trayEvery is the shortest time between two tray updates. Each engine
// event asks for one; a burst of them (every environment refreshed at
// once) becomes one update a second, each sending the tray only what
// changed since the one before. An event after a quiet second shows at
// once. Why not more often: every update makes the tray host read the
// whole menu again (fyne.io/systray announces any change as a new layout
// of the whole menu), about 65 ms of xfce4-panel's time with a thousand
// environments, so the rate is what bounds the tray's cost in a long
// burst.
const trayEvery = time.Second

// throttle paces a job to at most once per every, without dropping the
// last request: a request while the job ran too recently is kept and
// served when its turn comes. It is owned by one loop, which selects on
// due and calls ran when it did the job.
type throttle struct {
	every time.Duration
	last  time.Time        // when the job last ran
	due   <-chan time.Time // fires when a waiting request may run; nil when none waits
}

// request asks for the job to run: at once if it has not run for every,
// else when every has passed since it last ran.
func (t *throttle) request() {
	if t.due == nil {
		t.due = time.After(max(0, t.every-time.Since(t.last)))
	}
}

// ran notes that the job ran now, serving any request waiting.
func (t *throttle) ran() {
	t.due = nil
	t.last = time.Now()
}
