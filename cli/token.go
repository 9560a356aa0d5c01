package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/platform/socket"
)

// tokenFormats are the values of `token --format`.
var tokenFormats = []string{"raw", "json", "header"}

func (c *cli) tokenCommand() *cobra.Command {
	var minValid time.Duration
	var format string
	cmd := &cobra.Command{
		Use:   "token ENV [--min-valid DUR] [--format raw|json|header]",
		Short: "print a current access token",
		Long: `Prints a current access token of ENV on stdout, refreshed first if it would
expire within --min-valid. raw: the token alone; json: what the socket's
token endpoint answers; header: "Authorization: Bearer TOKEN".`,
		Example: `  curl -H "$(tokentray token zepto-sandbox --format header)" https://api.sandbox.zeptopayments.com/...
  tokentray token campaignflow-test --format json --min-valid 5m`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment, // complete.go
		Run: c.exitWith(func(_ *cobra.Command, args []string) int {
			return c.cmdToken(args[0], minValid, format)
		}),
	}
	cmd.Flags().DurationVar(&minValid, "min-valid", 0, "refresh first if the token expires within `DUR`")
	cmd.Flags().StringVar(&format, "format", "raw", "print it as `FORMAT`: "+strings.Join(tokenFormats, ", "))
	c.completeFlagValues(cmd, "format", tokenFormats...)
	c.completeNoFiles(cmd, "min-valid")
	return cmd
}

func (c *cli) cmdToken(env string, minValid time.Duration, format string) int {
	if minValid < 0 {
		return c.fail(exitUsage, "token: --min-valid must not be negative")
	}
	if !slices.Contains(tokenFormats, format) {
		return c.fail(exitUsage, fmt.Sprintf("token: --format %q is not one of %s", format, strings.Join(tokenFormats, ", ")))
	}
	cl := c.commandClient(guardedReadTimeout) // guard.go: a guarded read waits for the user
	defer cl.Close()
	t, err := cl.Token(context.Background(), env, minValid)
	if err != nil {
		return c.clientFailure(err, env)
	}
	switch format {
	case "json":
		b, err := json.Marshal(t)
		if err != nil {
			return c.fail(exitFailure, fmt.Sprintf("encode token: %v", err))
		}
		fmt.Fprintln(c.stdout, string(b))
	case "header":
		fmt.Fprintln(c.stdout, socket.AuthorizationHeader(t.TokenType, t.AccessToken.Reveal()))
	default:
		fmt.Fprintln(c.stdout, t.AccessToken.Reveal())
	}
	return exitOK
}
