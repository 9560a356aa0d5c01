package host

import "time"

// trayEvery is the shortest time between two tray updates with envs
// environments: a second, and longer past 250 environments (4 s with
// 1,000). Each engine event asks for an update; a burst of them (every
// environment refreshed at once) becomes one update per trayEvery, each
// sending the tray only what changed since the one before, and an event
// after a quiet spell shows at once.
//
// Why the menu's size sets the pace: whatever changed, fyne.io/systray
// announces a new layout of the whole menu, and the tray host reads all of
// it again. Measured with 1,000 environments in xfce4-panel, one read costs
// the panel about 0.18 s of CPU and the host as much (the panel asks for
// each submenu's items, 1,000 calls, and systray looks each id up by
// walking the whole menu), and an update with more than one change makes
// two reads. Stretching the interval with the menu keeps the tray's cost
// in a long burst about the same per second at any size.
func trayEvery(envs int) time.Duration {
	return max(time.Second, time.Duration(envs)*4*time.Millisecond)
}

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
