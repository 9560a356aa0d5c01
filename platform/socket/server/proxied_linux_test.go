package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/tcppeer"
)

// connectFrom accepts a loopback connection that the program args (run
// as runAs when not "") opens; the connection stays until the test ends.
func connectFrom(t *testing.T, runAs string) tcppeer.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	script := "exec 3<>/dev/tcp/127.0.0.1/" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "; echo ok; read _"
	cmd := exec.Command("bash", "-c", script)
	if runAs != "" {
		cmd = exec.Command("runuser", "-u", runAs, "--", "bash", "-c", script)
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ok\n" {
		t.Fatalf("bash did not connect: %q", line)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	conn, err := tcppeer.Lookup(c)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// A read for a program connected to the proxy is logged as that
// program's, via the proxy, through the proxy's command.
func TestProxiedReadIsTheConnectedProgramsViaTheProxy(t *testing.T) {
	r := newSocketRig(t, Limits{})
	conn := connectFrom(t, "")
	pc := &socket.ProxiedConn{ProxySocket: conn.Ours.Inode, ClientSocket: conn.Theirs.Inode}
	ctx := context.Background()
	for range 3 {
		if _, err := r.client.TokenWith(ctx, ccName, socket.TokenOptions{Proxied: pc}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.client.TokenWith(ctx, ccName, socket.TokenOptions{Proxied: pc, Force: true}); err != nil {
		t.Fatal(err)
	}
	reads, err := r.client.Reads(ctx, ccName)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	counted := 0
	for _, rd := range reads {
		if rd.Via != manager.ViaProxy || !strings.HasSuffix(rd.Exe, "bash") || rd.UID != uint32(os.Getuid()) || !strings.HasPrefix(rd.Through, self) {
			t.Errorf("read %+v; want bash via the proxy, through this test", rd)
		}
		counted += rd.Count
	}
	// The forced refresh is a line of its own; the first read may have
	// fetched the first token (a line of its own too).
	if len(reads) < 2 || len(reads) > 3 || !reads[0].Refreshed || counted != 4 {
		t.Errorf("reads %+v; want 4 reads in 2 or 3 lines, the newest the forced refresh", reads)
	}
}

func TestProxiedReadOfAConnectionTheCallerDoesNotHoldIsRefused(t *testing.T) {
	r := newSocketRig(t, Limits{})
	conn := connectFrom(t, "")
	other := connectFrom(t, "")
	for name, pc := range map[string]socket.ProxiedConn{
		// bash's end named as the proxy's: this process does not hold it.
		"the other end":   {ProxySocket: conn.Theirs.Inode, ClientSocket: conn.Ours.Inode},
		"two connections": {ProxySocket: conn.Ours.Inode, ClientSocket: other.Theirs.Inode},
		"no such socket":  {ProxySocket: conn.Ours.Inode, ClientSocket: 1 << 40},
	} {
		_, err := r.client.TokenWith(context.Background(), ccName, socket.TokenOptions{Proxied: &pc})
		if !isCode(err, socket.CodeUnverifiedCaller) {
			t.Errorf("%s: %v, want %s", name, err, socket.CodeUnverifiedCaller)
		}
	}
	if reads, _ := r.client.Reads(context.Background(), ccName); len(reads) != 0 {
		t.Errorf("refused reads were logged: %+v", reads)
	}
	r.wantError(http.MethodGet, "/v1/environments/"+ccName+"/token?via=proxy", nil, http.StatusBadRequest, socket.CodeBadRequest)
	r.wantError(http.MethodGet, "/v1/environments/"+ccName+"/token?via=mail&proxy_socket=1&client_socket=2", nil, http.StatusBadRequest, socket.CodeBadRequest)
}

func TestProxiedReadForAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		t.Skip("no runuser")
	}
	r := newSocketRig(t, Limits{})
	conn := connectFrom(t, "nobody")
	pc := socket.ProxiedConn{ProxySocket: conn.Ours.Inode, ClientSocket: conn.Theirs.Inode}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := r.client.TokenWith(ctx, ccName, socket.TokenOptions{Proxied: &pc})
	if !isCode(err, socket.CodeUnverifiedCaller) || !strings.Contains(err.Error(), "belongs to uid") {
		t.Errorf("a read for nobody's connection: %v, want %s", err, socket.CodeUnverifiedCaller)
	}
}
