package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) unlockCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "give the file store its passphrase",
		Long: `Asks for the passphrase of the encrypted file store ([settings] store =
"file") and unlocks the running tokentray (started if none runs), whose
environments wait in the locked state until then. On a terminal it asks
without echo; otherwise it reads the passphrase from stdin. A wrong
passphrase is refused (exit 2) and the file is left as it is.`,
		Example: `  tokentray unlock
  tokentray unlock < ~/.config/tokentray/passphrase`,
		Args: wantArgs(),
		Run:  c.exitWith(func(*cobra.Command, []string) int { return c.cmdUnlock() }),
	}
}

func (c *cli) cmdUnlock() int {
	pass, err := c.readHidden("passphrase of the file store: ", "passphrase", "tokentray unlock < passphrase.txt")
	if err != nil {
		return c.fail(exitUsage, fmt.Sprintf("unlock: %v", err))
	}
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	err = cl.Unlock(context.Background(), []byte(pass.Reveal()))
	var api *socket.APIError
	switch {
	case err == nil:
		fmt.Fprintln(c.stdout, "the file store is unlocked")
		return exitOK
	case errors.As(err, &api) && api.Code == socket.CodeWrongPassphrase:
		return c.fail(exitUsage, "unlock: wrong passphrase: "+api.Message)
	case errors.As(err, &api) && api.Code == socket.CodeNotLocked:
		return c.fail(exitFailure, "unlock: "+api.Message)
	}
	return c.clientFailure(err, "")
}
