package bench

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// countingProxy sits on a unix socket in front of a real incusd socket and
// counts the HTTP requests that pass, so the provider's request budget is
// measured at the server side, exactly as incusd sees it.
type countingProxy struct {
	socket   string
	requests atomic.Int64
}

func startCountingProxy(b *testing.B, target, socket string) *countingProxy {
	b.Helper()
	_ = os.Remove(socket)
	l, err := net.Listen("unix", socket)
	if err != nil {
		b.Fatal(err)
	}
	p := &countingProxy{socket: socket}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "incus"})
	rp.FlushInterval = -1
	rp.ErrorLog = log.New(io.Discard, "", 0) // a client hanging up on a long wait is not news
	rp.Transport = &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", target)
		},
		ResponseHeaderTimeout: time.Hour,
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close(); _ = os.Remove(socket) })
	return p
}

func (p *countingProxy) Requests() int64 { return p.requests.Load() }
