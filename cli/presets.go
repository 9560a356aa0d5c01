package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) presetsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "presets",
		Short: "the built-in provider presets and what each still needs",
		Long: `Lists every built-in provider preset: what it fills into an [[environment]]
(flow, endpoints, scopes, client authentication) and what the config must
still say.`,
		Args: wantArgs(),
		Run: c.exitWith(func(*cobra.Command, []string) int {
			if err := printPresets(c.stdout); err != nil {
				return c.fail(exitFailure, fmt.Sprintf("presets: %v", err))
			}
			return exitOK
		}),
	}
}

// printPresets writes `tokentray presets`: every built-in preset, what it
// fills into an [[environment]] and what the config must still say.
func printPresets(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, p := range config.Presets() {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Description)
		row := func(label, value string) {
			if value != "" {
				fmt.Fprintf(tw, "  %s\t%s\n", label, value)
			}
		}
		flow := string(p.Flow)
		if p.NeedsIssuer {
			flow += " (or flow = \"device_code\" where the provider offers device authorization)"
		}
		row("flow", flow)
		if p.NeedsIssuer {
			row("endpoints", "from the issuer's discovery document (RFC 8414 metadata, or OpenID configuration)")
		}
		row("authorization", p.AuthURL)
		row("token", p.TokenURL)
		row("revocation", p.RevokeURL)
		row("device", p.DeviceURL)
		row("scopes", scopesLine(p))
		row("client auth", authStyleLine(p))
		if p.DPoP {
			row("dpop", "tokens bound to a DPoP key: every request needs a proof (`tokentray token NAME --format header --for \"METHOD URL\"`)")
		}
		if p.TokenLifetime > 0 {
			row("token lifetime", socket.FormatTimeLeft(p.TokenLifetime)+" (assumed when a token answer has no expires_in)")
		}
		row("you set", strings.Join(asksFor(p), ", "))
		row("notes", p.Notes)
	}
	return tw.Flush()
}

func scopesLine(p config.Preset) string {
	line := strings.Join(p.Scopes, " ")
	if line == "" {
		line = "none by default"
	}
	if len(p.ScopeChoices) > 0 {
		line += " (choices: " + strings.Join(p.ScopeChoices, " ") + ")"
	}
	return line
}

func authStyleLine(p config.Preset) string {
	switch p.AuthStyle {
	case config.AuthStyleForm:
		return "client_id and client_secret in the request body"
	case config.AuthStyleHeader:
		return "HTTP Basic"
	case config.AuthStylePrivateKeyJWT:
		line := "a JWT assertion signed with your private key"
		if p.AssertionThumbprint != "" {
			line += ", naming client_certificate by its thumbprint (" + p.AssertionThumbprint + ")"
		}
		return line
	case config.AuthStyleClientSecretJWT:
		return "a JWT assertion signed with the client secret"
	case config.AuthStyleTLSClientAuth:
		return "the client certificate on the TLS connection"
	}
	if p.NeedsIssuer {
		return "HTTP Basic, or the request body when the metadata lists only client_secret_post"
	}
	return "HTTP Basic"
}

// asksFor lists what the config (and keychain) must still provide, in the
// command line's words.
func asksFor(p config.Preset) []string {
	var out []string
	for _, key := range p.Needs() {
		switch key {
		case "redirect_uri":
			out = append(out, "redirect_uri (exactly as registered with the provider)")
		case "client_secret":
			out = append(out, "the client secret (`tokentray secret set NAME`)")
		case "private_key":
			out = append(out, "the private key (`tokentray secret set NAME < key.pem`)")
		case "tenant":
			out = append(out, "tenant (your directory ID or domain)")
		case "client_certificate":
			out = append(out, "client_certificate (the PEM of the certificate registered with the provider)")
		default:
			out = append(out, key)
		}
	}
	if p.Flow != config.FlowClientCredentials {
		out = append(out, "the client secret if the application has one (`tokentray secret set NAME`)")
	}
	return out
}
