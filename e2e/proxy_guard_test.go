//go:build linux

package e2e

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// shownNotification is one notification as a monitor of the bus saw it.
type shownNotification struct {
	id            uint32
	summary, body string
}

// watchNotifications reports every notification shown on the session bus
// from now on: a monitor connection sees the Notify calls and their
// answers (the id).
func watchNotifications(t *testing.T) <-chan shownNotification {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rules := []string{
		"type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
		"type='method_return'",
	}
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, rules, uint32(0)).Err; err != nil {
		t.Skipf("cannot monitor the session bus: %v", err)
	}
	msgs := make(chan *dbus.Message, 256)
	conn.Eavesdrop(msgs)
	out := make(chan shownNotification, 16)
	go func() {
		type call struct {
			sender string
			serial uint32
		}
		pending := map[call]shownNotification{}
		for m := range msgs {
			sender, _ := m.Headers[dbus.FieldSender].Value().(string)
			switch m.Type {
			case dbus.TypeMethodCall:
				if len(m.Body) >= 5 {
					summary, _ := m.Body[3].(string)
					body, _ := m.Body[4].(string)
					pending[call{sender, m.Serial()}] = shownNotification{summary: summary, body: body}
				}
			case dbus.TypeMethodReply:
				dest, _ := m.Headers[dbus.FieldDestination].Value().(string)
				serial, _ := m.Headers[dbus.FieldReplySerial].Value().(uint32)
				n, ok := pending[call{dest, serial}]
				if !ok || len(m.Body) == 0 {
					continue
				}
				delete(pending, call{dest, serial})
				n.id, _ = m.Body[0].(uint32)
				select {
				case out <- n:
				default:
				}
			}
		}
	}()
	return out
}

// The desktop host's proxy of a guarded environment asks before a
// program's first request is forwarded, naming the program; the upstream
// sees nothing until the user answers. Allowed, the request goes through
// and the same program is not asked again; a question closed unanswered
// is a denial, and nothing is forwarded.
func TestGuardedProxyAsksBeforeTheFirstRequest(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("prod")
	listen := freeLoopbackAddr(t)
	h.writeConfig(proxyConfig(srv, env, listen, srv.EchoURL()) + "guard = \"confirm\"\n")
	h.seedSecret(env)
	shown := watchNotifications(t)
	app := h.startDesktop([]string{"--hidden"})
	waitFor(t, "the desktop host", 20*time.Second, func() bool { return h.run("", "status").code == 0 })
	if st := h.statusOf(env); st.Proxy != "http://"+listen {
		t.Fatalf("status proxy %q (%s)\n%s", st.Proxy, st.ProxyProblem, app.logs)
	}

	// The first request waits for the question's answer.
	shownBefore := notificationWindows()
	first := startCurl(t, "http://"+listen+"/payments")
	question := waitQuestion(t, shown, first, app)
	t.Logf("asked: %q / %q", question.summary, question.body)
	if !strings.Contains(question.summary, "curl") || !strings.Contains(question.summary, env) || !strings.Contains(question.body, "/usr/bin/curl") {
		t.Errorf("the question does not name curl and %s: %q / %q", env, question.summary, question.body)
	}
	time.Sleep(300 * time.Millisecond)
	if first.finished() {
		t.Fatalf("the request did not wait for the answer: %s", first.out.String())
	}
	if n := srv.ResourceRequests(); n != 0 {
		t.Errorf("%d requests reached the upstream before the answer", n)
	}
	clickAllow(t, shownBefore)
	if out := first.wait(t); !strings.Contains(out, "200 OK") || !strings.Contains(out, `"path":"/resource/payments"`) {
		t.Fatalf("after Allow: %s", out)
	}
	// The same program again: allowed for 10 minutes, not asked.
	if again := startCurl(t, "http://"+listen+"/payments").wait(t); !strings.Contains(again, "200 OK") {
		t.Errorf("the approved program again: %s", again)
	}
	select {
	case q := <-shown:
		t.Errorf("asked again: %q", q.summary)
	default:
	}

	// Another program (another command line): asked; closed unanswered, denied.
	before := srv.ResourceRequests()
	other := startCurl(t, "http://"+listen+"/refunds")
	question = waitQuestion(t, shown, other, app)
	bus, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	if err := bus.Object(notifyName, "/org/freedesktop/Notifications").Call(notifyName+".CloseNotification", 0, question.id).Err; err != nil {
		t.Fatal(err)
	}
	if out := other.wait(t); !strings.Contains(out, "403 Forbidden") || !strings.Contains(out, `"denied"`) {
		t.Errorf("after the question closed: %s", out)
	}
	if n := srv.ResourceRequests() - before; n != 0 {
		t.Errorf("%d denied requests reached the upstream", n)
	}
}

// curlRun is a curl running in the background.
type curlRun struct {
	out  syncBuffer
	done chan struct{}
}

func startCurl(t *testing.T, url string) *curlRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "curl", "-sS", "-i", url)
	c := &curlRun{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &c.out, &c.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(c.done) }()
	return c
}

func (c *curlRun) finished() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *curlRun) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatal("curl did not finish within 20s")
	}
	return c.out.String()
}

// waitQuestion waits for the next notification while c waits for it.
func waitQuestion(t *testing.T, shown <-chan shownNotification, c *curlRun, app *daemon) shownNotification {
	t.Helper()
	select {
	case q := <-shown:
		return q
	case <-c.done:
		t.Fatalf("the request ended before a question: %s\n%s", c.out.String(), app.logs)
	case <-time.After(20 * time.Second):
		t.Fatalf("no question within 20s\n%s", app.logs)
	}
	return shownNotification{}
}

// notificationWindows are the notification windows on screen now.
func notificationWindows() map[string]bool {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--class", "xfce4-notifyd").Output()
	wins := map[string]bool{}
	for _, w := range strings.Fields(string(out)) {
		wins[w] = true
	}
	return wins
}

// clickAllow clicks "Allow for 10 min" on the question xfce4-notifyd
// (the session's notification server) shows in a window that was not on
// screen before (other tests may leave theirs), as the user would: the
// buttons sit at the window's bottom right, Allow left of Deny.
func clickAllow(t *testing.T, before map[string]bool) {
	t.Helper()
	var win string
	waitFor(t, "the notification's window", 10*time.Second, func() bool {
		for w := range notificationWindows() {
			if !before[w] {
				win = w
				return true
			}
		}
		return false
	})
	var w, h int
	geometry := xdotool(t, "getwindowgeometry", "--shell", win)
	for _, line := range strings.Split(geometry, "\n") {
		if v, ok := strings.CutPrefix(line, "WIDTH="); ok {
			w, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(line, "HEIGHT="); ok {
			h, _ = strconv.Atoi(v)
		}
	}
	if w < 300 || h < 80 {
		t.Fatalf("the notification window is %dx%d", w, h)
	}
	xdotool(t, "mousemove", "--window", win, strconv.Itoa(w-210), strconv.Itoa(h-31), "click", "1")
}
