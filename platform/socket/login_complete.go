package socket

// Error codes of POST /v1/environments/{name}/login/complete.
const (
	// CodeStateMismatch: the pasted URL belongs to another login.
	CodeStateMismatch = "state_mismatch"
	// CodeInvalidPaste: the pasted text is not a redirect URL or a code.
	CodeInvalidPaste = "invalid_paste"
	// CodeNoLoginRunning: no authorization code login waits for a paste.
	CodeNoLoginRunning = "no_login_running"
)

// CompleteLoginRequest is the body of POST /v1/environments/{name}/login/complete:
// the URL the browser ended on after the user approved, or the bare code.
type CompleteLoginRequest struct {
	URL string `json:"url"`
}
