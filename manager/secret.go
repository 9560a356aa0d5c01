package manager

import "github.com/tokentray/tokentray/config"

// Secret is a token or client secret that redacts itself wherever it is
// printed or logged (config.Secret).
type Secret = config.Secret
