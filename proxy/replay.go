package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// MaxReplayBody is the largest request body the proxy keeps, so that it
// can send the request again after a 401. A larger one, or one that
// ends later, streams through and is not retried.
const MaxReplayBody = 1 << 20

// body is what the proxy does with a request's body: nothing to keep
// (none), the whole of it kept (replayable), or streamed through with
// why it cannot be sent again.
type body struct {
	kept       []byte    // the whole body, when it is at most MaxReplayBody
	stream     io.Reader // the body to stream, when it is not kept
	notKeptWhy string    // "" when the request can be sent again
}

// readBody keeps r's body when it is small enough to send again. A body
// without a length is read up to the bound: ending there, it is kept.
func readBody(r *http.Request) (body, error) {
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		return body{}, nil
	case r.ContentLength > MaxReplayBody:
		return body{stream: r.Body, notKeptWhy: fmt.Sprintf("its body of %d bytes is over the %d bytes the proxy keeps to send a request again", r.ContentLength, MaxReplayBody)}, nil
	}
	if r.ContentLength > 0 { // known and small: read it whole
		kept := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, kept); err != nil {
			return body{}, err
		}
		return body{kept: kept}, nil
	}
	prefix, err := io.ReadAll(io.LimitReader(r.Body, MaxReplayBody+1))
	if err != nil {
		return body{}, err
	}
	if len(prefix) <= MaxReplayBody {
		return body{kept: prefix}, nil
	}
	return body{stream: io.MultiReader(bytes.NewReader(prefix), r.Body),
		notKeptWhy: fmt.Sprintf("its streamed body is over the %d bytes the proxy keeps to send a request again", MaxReplayBody)}, nil
}

// apply sets out's body as b says.
func (b body) apply(out *http.Request) {
	switch {
	case b.kept != nil:
		kept := b.kept
		out.Body = io.NopCloser(bytes.NewReader(kept))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(kept)), nil }
		out.ContentLength, out.TransferEncoding = int64(len(kept)), nil
	case b.stream != nil:
		out.Body = io.NopCloser(b.stream) // the server closes the original
		out.GetBody = nil
	}
}
