package socket

import (
	"context"
	"encoding/json"
	"net/http"
)

// CompleteLogin is POST /v1/environments/{name}/login/complete: it finishes
// name's running login with what the user pasted (the URL the browser
// ended on, or the bare code) and returns once the tokens are stored.
// Errors are *APIError; Code says why (CodeStateMismatch, CodeInvalidPaste,
// CodeNoLoginRunning, CodeProviderError for a denied authorization).
func (c *Client) CompleteLogin(ctx context.Context, name, pasted string) error {
	body, err := json.Marshal(CompleteLoginRequest{URL: pasted})
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, envPath(name, "/login/complete"), body, nil)
}
