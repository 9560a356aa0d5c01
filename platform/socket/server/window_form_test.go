package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestWindowOpensOnTheAddFormWhenAsked(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if err := r.client.OpenAddForm(ctx); !isCode(err, socket.CodeNoWindow) {
		t.Errorf("add form on a daemon: %v", err)
	}
	var opened []string
	r.server.SetHostHooks(HostHooks{
		OpenWindow:  func() error { opened = append(opened, "window"); return nil },
		OpenAddForm: func() error { opened = append(opened, "add"); return nil },
	})
	if err := r.client.OpenAddForm(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.client.OpenWindow(ctx); err != nil { // no body: as before
		t.Fatal(err)
	}
	if status, _, _ := r.raw("POST", "/v1/window", strings.NewReader("{}")); status != http.StatusOK {
		t.Errorf("POST /v1/window {} = %d", status)
	}
	if got := strings.Join(opened, " "); got != "add window window" {
		t.Errorf("opened %q, want the add form, then the window twice", got)
	}
	r.wantError("POST", "/v1/window", strings.NewReader(`{"form":"settings"}`), http.StatusBadRequest, socket.CodeBadRequest)
}
