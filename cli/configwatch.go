package cli

import (
	"log/slog"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

// startConfigWatch lets the socket edit the config file (PUT and DELETE of
// an environment, PUT /v1/settings) and applies hand edits of the file to
// the running engine. It returns the function that stops watching. Both
// `tokentray daemon` and the desktop host call it from serve.
func (c *cli) startConfigWatch(configPath string, m *manager.Manager, srv *socket.Server, log *slog.Logger) (stop func()) {
	srv.SetConfigPath(configPath)
	w, err := platform.WatchConfig(configPath, m, log, nil)
	if err != nil {
		// No directory yet (a first start): edits through the socket
		// still work; hand edits apply at the next start.
		log.Warn("hand edits of the config file will apply at the next start", "error", err)
		return func() {}
	}
	return w.Close
}
