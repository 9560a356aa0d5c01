package socket

// CodeDenied is the error code of a read of a guarded environment
// (guard = "confirm") that the user did not allow: HTTP 403.
const CodeDenied = "denied"
