package cli

import (
	"cmp"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version and commit are set at build time (make build):
//
//	-ldflags "-X github.com/tokentray/tokentray/cli.version=v1.2.3 -X github.com/tokentray/tokentray/cli.commit=0123abc"
var version, commit string

// versionLine is what `tokentray --version` and `tokentray version` print:
// "tokentray VERSION (commit COMMIT)". Without the ldflags, Go's build
// info says what it knows (the module version, the VCS revision).
func versionLine() string {
	v, rev := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok && (v == "" || rev == "") {
		if bi.Main.Version != "(devel)" {
			v = cmp.Or(v, bi.Main.Version)
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = cmp.Or(rev, s.Value)
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && commit == "" && modified {
			rev += "-dirty"
		}
	}
	return fmt.Sprintf("tokentray %s (commit %s)", cmp.Or(v, "dev"), cmp.Or(rev, "unknown"))
}

func (c *cli) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "the version and commit (as --version)",
		Args:  wantArgs(),
		Run: c.exitWith(func(*cobra.Command, []string) int {
			fmt.Fprintln(c.stdout, versionLine())
			return exitOK
		}),
	}
}
