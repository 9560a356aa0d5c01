package proxy_test

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkForwardedGET is one keep-alive client's GET through the proxy
// (engine tokens) to the echo resource, whole round trip.
func BenchmarkForwardedGET(b *testing.B) {
	r := newRig(b, rigOptions{})
	b.ReportAllocs()
	for b.Loop() {
		resp, err := r.client.Get(r.proxy.URL() + "/x")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode)
		}
	}
}
