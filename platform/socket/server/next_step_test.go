package server

import (
	"context"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestNextStepTextWordsEachActionForTheCommandLine(t *testing.T) {
	at := time.Now().Add(40*time.Second + 500*time.Millisecond)
	in := "retrying in 41 s (" + at.Add(time.Second).Local().Format("15:04:05") + ")" // both rounded up
	for _, tc := range []struct {
		next *socket.Next
		want string
	}{
		{nil, ""},
		{&socket.Next{Action: socket.NextLogin}, "run `tokentray login zepto-sandbox`"},
		{&socket.Next{Action: socket.NextSetSecret}, "run `tokentray secret set zepto-sandbox` and paste the client secret"},
		{&socket.Next{Action: socket.NextEditConfig, Key: "client_id"}, "add client_id for zepto-sandbox to the config file"},
		{&socket.Next{Action: socket.NextCheckCredentials}, "check the client id and secret (`tokentray secret set zepto-sandbox`), then `tokentray login zepto-sandbox`"},
		{&socket.Next{Action: socket.NextCheckNetwork, RetryAt: &at}, in + "; check the network or run `tokentray refresh zepto-sandbox`"},
		{&socket.Next{Action: socket.NextRetry, RetryAt: &at}, "refresh failed; " + in + " while the token is still valid"},
		{&socket.Next{Action: socket.NextRetry}, "refresh failed; retrying soon while the token is still valid"},
		{&socket.Next{Action: socket.NextRefresh}, "a new token is fetched on first use, or run `tokentray refresh zepto-sandbox`"},
		{&socket.Next{Action: socket.NextWaitForBrowser}, "finish the authorization in the browser"},
		{&socket.Next{Action: socket.NextReauthorize, Scopes: []string{"write"}}, "run `tokentray login zepto-sandbox` to get write; the current token keeps working until then"},
		{&socket.Next{Action: socket.NextReauthorize, Scopes: []string{"write", "admin"}}, "run `tokentray login zepto-sandbox` to get write and admin; the current token keeps working until then"},
		{&socket.Next{Action: "something_new"}, "something_new"},
	} {
		if got := socket.NextStepText("zepto-sandbox", tc.next); got != tc.want {
			t.Errorf("socket.NextStepText(%+v) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestStatusCarriesTypedNextAndItsText(t *testing.T) {
	r := newSocketRig(t, Limits{})
	_, out, _ := r.raw("GET", "/v1/environments/"+codeName, nil)
	next, _ := out["next"].(map[string]any)
	if next["action"] != "login" || out["next_step"] != "run `tokentray login "+codeName+"`" {
		t.Errorf("status next %v, next_step %q; want login and its command", out["next"], out["next_step"])
	}
	envs, err := r.client.Environments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range envs {
		if st.Name == "nosecret" && (st.Next == nil || st.Next.Action != socket.NextSetSecret || st.NextStep != socket.NextStepText("nosecret", st.Next)) {
			t.Errorf("nosecret: next %+v, next_step %q", st.Next, st.NextStep)
		}
	}
}

func TestEngineErrorMessagesSayHowToFixThem(t *testing.T) {
	r := newSocketRig(t, Limits{})
	for path, want := range map[string]string{
		"/v1/environments/nosecret/token":         "nosecret: environment is not configured (no client secret): run `tokentray secret set nosecret` and paste the client secret",
		"/v1/environments/" + codeName + "/token": codeName + " needs login: run `tokentray login " + codeName + "`",
	} {
		if _, out, _ := r.raw("GET", path, nil); out["message"] != want {
			t.Errorf("GET %s: message %q, want %q", path, out["message"], want)
		}
	}
}
