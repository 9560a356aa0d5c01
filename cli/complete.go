package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
)

// completionTimeout bounds asking the running tokentray for names: the
// shell waits on it at every TAB.
const completionTimeout = time.Second

// completeEnvironment completes a command's ENV argument, its first.
func (c *cli) completeEnvironment(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, e := range c.knownEnvironments() {
		if !strings.HasPrefix(e.name, toComplete) {
			continue
		}
		if e.state == "" {
			out = append(out, e.name)
		} else {
			out = append(out, cobra.CompletionWithDesc(e.name, e.state))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// knownEnvironment is a name to offer, with its state when a running
// tokentray said it.
type knownEnvironment struct{ name, state string }

// knownEnvironments are the running tokentray's environments or, when none
// answers on the socket, the config file's. Completion never starts a
// tokentray.
func (c *cli) knownEnvironments() []knownEnvironment {
	cl := c.client(completionTimeout)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	var out []knownEnvironment
	if envs, err := cl.Environments(ctx); err == nil {
		for _, st := range envs {
			out = append(out, knownEnvironment{st.Name, string(st.State)})
		}
		return out
	}
	// A config with problems still names the environments that have none.
	cfg, _ := config.LoadConfig(c.configPath())
	if cfg == nil {
		return nil
	}
	for _, e := range cfg.Environments {
		out = append(out, knownEnvironment{name: e.Name})
	}
	return out
}

// completeFlag registers how to complete a flag's value, only when the
// shell asks (cobra's __complete): cobra keeps these in a global map that
// would otherwise grow with every Run of a process that runs many (tests).
func (c *cli) completeFlag(cmd *cobra.Command, flag string, complete cobra.CompletionFunc) {
	if len(c.args) > 0 && (c.args[0] == cobra.ShellCompRequestCmd || c.args[0] == cobra.ShellCompNoDescRequestCmd) {
		_ = cmd.RegisterFlagCompletionFunc(flag, complete)
	}
}

// completeFlagValues makes the shell offer a flag's fixed set of values.
func (c *cli) completeFlagValues(cmd *cobra.Command, flag string, values ...string) {
	c.completeFlag(cmd, flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// completePresets offers the built-in presets' names for flag.
func (c *cli) completePresets(cmd *cobra.Command, flag string) {
	c.completeFlag(cmd, flag, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, p := range config.Presets() {
			out = append(out, cobra.CompletionWithDesc(p.Name, p.Description))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// completeNoFiles keeps the shell from offering file names as the value
// of flags that take a duration, a name or a URL.
func (c *cli) completeNoFiles(cmd *cobra.Command, flags ...string) {
	for _, flag := range flags {
		c.completeFlag(cmd, flag, cobra.NoFileCompletions)
	}
}
