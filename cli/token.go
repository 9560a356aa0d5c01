package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/platform/socket"
)

// tokenFormats are the values of `token --format`.
var tokenFormats = []string{"raw", "json", "header", "exec-credential"}

// tokenRequest is what `token` was asked for.
type tokenRequest struct {
	minValid  time.Duration
	format    string
	forReq    string // --for "METHOD URL": the request a DPoP proof is for
	dpopNonce string
}

func (c *cli) tokenCommand() *cobra.Command {
	var r tokenRequest
	cmd := &cobra.Command{
		Use:   "token ENV [--min-valid DUR] [--format raw|json|header|exec-credential] [--for \"METHOD URL\"]",
		Short: "print a current access token",
		Long: `Prints a current access token of ENV on stdout, refreshed first if it would
expire within --min-valid. raw: the token alone; json: what the socket's
token endpoint answers; header: "Authorization: Bearer TOKEN";
exec-credential: a kubectl ExecCredential (the apiVersion KUBERNETES_EXEC_INFO
asks for, client.authentication.k8s.io/v1 by default), which never prompts.

A DPoP-bound token (dpop = true) needs a proof for every request: with
--for "METHOD URL" the header format prints "Authorization: DPoP TOKEN" and
"DPoP: PROOF" on two lines, and json carries the proof as "dpop".`,
		Example: `  curl -H "$(tokentray token zepto-sandbox --format header)" https://api.sandbox.zeptopayments.com/...
  tokentray token campaignflow-test --format json --min-valid 5m
  tokentray token okta-api --format header --for "GET https://api.example.com/v1/things"`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment, // complete.go
		Run: c.exitWith(func(_ *cobra.Command, args []string) int {
			return c.cmdToken(args[0], r)
		}),
	}
	cmd.Flags().DurationVar(&r.minValid, "min-valid", 0, "refresh first if the token expires within `DUR`")
	cmd.Flags().StringVar(&r.format, "format", "raw", "print it as `FORMAT`: "+strings.Join(tokenFormats, ", "))
	cmd.Flags().StringVar(&r.forReq, "for", "", "the request (`\"METHOD URL\"`) a DPoP-bound token's proof is for")
	cmd.Flags().StringVar(&r.dpopNonce, "dpop-nonce", "", "the DPoP-Nonce the resource server answered last (`NONCE`)")
	c.completeFlagValues(cmd, "format", tokenFormats...)
	c.completeNoFiles(cmd, "min-valid", "for", "dpop-nonce")
	return cmd
}

func (c *cli) cmdToken(env string, r tokenRequest) int {
	if r.minValid < 0 {
		return c.fail(exitUsage, "token: --min-valid must not be negative")
	}
	if !slices.Contains(tokenFormats, r.format) {
		return c.fail(exitUsage, fmt.Sprintf("token: --format %q is not one of %s", r.format, strings.Join(tokenFormats, ", ")))
	}
	o := socket.TokenOptions{MinValid: r.minValid, DPoPNonce: r.dpopNonce}
	if r.forReq != "" {
		if r.format != "header" && r.format != "json" {
			return c.fail(exitUsage, "token: --for goes with --format header or json")
		}
		var err error
		if o.HTM, o.HTU, err = socket.ParseFor(r.forReq); err != nil {
			return c.fail(exitUsage, "token: "+err.Error())
		}
	}
	if r.format == "exec-credential" {
		o.MinValid = max(o.MinValid, time.Minute) // kubectl caches it until it expires
	}
	cl := c.commandClient(guardedReadTimeout) // guard.go: a guarded read waits for the user
	defer cl.Close()
	t, err := cl.TokenWith(context.Background(), env, o)
	if err != nil {
		return c.clientFailure(err, env)
	}
	bound := strings.EqualFold(t.TokenType, "DPoP")
	switch r.format {
	case "json":
		b, err := json.Marshal(t)
		if err != nil {
			return c.fail(exitFailure, fmt.Sprintf("encode token: %v", err))
		}
		fmt.Fprintln(c.stdout, string(b))
	case "header":
		if t.DPoP != "" {
			fmt.Fprintln(c.stdout, t.DPoPHeaders())
			return exitOK
		}
		fmt.Fprintln(c.stdout, socket.AuthorizationHeader(t.TokenType, t.AccessToken.Reveal()))
	case "exec-credential":
		if bound {
			return c.fail(exitUsage, fmt.Sprintf("token: %s's token is DPoP-bound and kubectl sends bearer tokens; use an environment without dpop for the cluster", env))
		}
		return c.printExecCredential(t)
	default:
		fmt.Fprintln(c.stdout, t.AccessToken.Reveal())
	}
	if bound && t.DPoP == "" {
		c.warnDPoPBound(env)
	}
	return exitOK
}

// warnDPoPBound says why a bare DPoP-bound token will be refused.
func (c *cli) warnDPoPBound(env string) {
	fmt.Fprintf(c.stderr, "tokentray: %s's token is DPoP-bound: each request needs its own proof, and the token alone is refused; use `tokentray token %s --format header --for \"METHOD URL\"`, or `tokentray proxy %s`\n",
		shown(env), shown(env), shown(env))
}

// execCredential is kubectl's client.authentication.k8s.io ExecCredential.
type execCredential struct {
	Kind       string               `json:"kind"`
	APIVersion string               `json:"apiVersion"`
	Spec       map[string]any       `json:"spec"`
	Status     execCredentialStatus `json:"status"`
}

type execCredentialStatus struct {
	ExpirationTimestamp string `json:"expirationTimestamp"`
	Token               string `json:"token"`
}

// printExecCredential writes t as the ExecCredential kubectl runs this
// command for, in the apiVersion it asks for (KUBERNETES_EXEC_INFO).
func (c *cli) printExecCredential(t socket.TokenAnswer) int {
	version := "client.authentication.k8s.io/v1"
	if info := os.Getenv("KUBERNETES_EXEC_INFO"); info != "" {
		var asked struct {
			APIVersion string `json:"apiVersion"`
		}
		if err := json.Unmarshal([]byte(info), &asked); err != nil || !strings.HasPrefix(asked.APIVersion, "client.authentication.k8s.io/") {
			return c.fail(exitUsage, "token: KUBERNETES_EXEC_INFO does not name a client.authentication.k8s.io apiVersion")
		}
		version = asked.APIVersion
	}
	out := execCredential{Kind: "ExecCredential", APIVersion: version, Spec: map[string]any{"interactive": false},
		Status: execCredentialStatus{ExpirationTimestamp: t.ExpiresAt.UTC().Format(time.RFC3339), Token: t.AccessToken.Reveal()}}
	b, err := json.Marshal(out)
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("encode the ExecCredential: %v", err))
	}
	fmt.Fprintln(c.stdout, string(b))
	return exitOK
}
