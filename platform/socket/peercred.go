package socket

// PeerCred is who holds the other end of a unix socket connection, as the
// kernel recorded it when the connection was made, so a peer cannot lie
// about it. PID is 0 where the system does not say.
type PeerCred struct {
	PID int32
	UID uint32
	GID uint32
}
