//go:build linux

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// TestExecCredentialForKubectl: `tokentray token ENV --format
// exec-credential` is what a kubeconfig's users[].user.exec runs: an
// ExecCredential in the apiVersion kubectl asks for, and no prompt ever.
func TestExecCredentialForKubectl(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	cc, web := h.envName("cluster"), h.envName("oidc")
	h.writeConfig(clientCredentialsConfig(srv, cc) + "\n" + codeConfig(srv, web))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", cc)

	type credential struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		Status     struct {
			Token               string `json:"token"`
			ExpirationTimestamp string `json:"expirationTimestamp"`
		} `json:"status"`
	}
	for _, tc := range []struct{ info, want string }{
		{"", "client.authentication.k8s.io/v1"},
		{`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}`, "client.authentication.k8s.io/v1beta1"},
	} {
		r := runWith(t, h.environ("KUBERNETES_EXEC_INFO="+tc.info), "", "token", cc, "--format", "exec-credential")
		if r.code != 0 {
			t.Fatalf("exec-credential: %+v", r)
		}
		var got credential
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("exec-credential printed %q: %v", r.stdout, err)
		}
		exp, err := time.Parse(time.RFC3339, got.Status.ExpirationTimestamp)
		if got.Kind != "ExecCredential" || got.APIVersion != tc.want || err != nil || !exp.After(time.Now()) {
			t.Errorf("credential %+v (expiry %v); want an ExecCredential of %s expiring in the future", got, err, tc.want)
		}
		if !acceptedByProvider(t, srv, got.Status.Token) {
			t.Error("the credential's token is not honoured")
		}
	}
	// Needs login: said on stderr, exit 3, nothing on stdout, no prompt.
	r := h.run("", "token", web, "--format", "exec-credential")
	h.wantFailure(r, 3, "needs login")
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("a credential that needs login printed %q", r.stdout)
	}
}
