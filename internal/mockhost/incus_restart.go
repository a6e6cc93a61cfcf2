package mockhost

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"time"
)

// RunningOps says what a restart does to the operations running at that
// moment, as a daemon that dies can leave any of these behind.
type RunningOps int

const (
	// OpsFinish: their work was done just before the daemon died; only the
	// answer was lost.
	OpsFinish RunningOps = iota
	// OpsAbandon: their work never happened.
	OpsAbandon
	// OpsPartial: they stopped half way. A create-and-start leaves the
	// instance created but stopped; other operations do nothing.
	OpsPartial
)

// Restart makes the fake incusd die and come back after down, as a crash or
// `systemctl restart incus` does: every open connection is cut at once, the
// socket is gone while it is down (clients get "no such file" or
// "connection refused"), and the operations it was running are forgotten
// (a GET of one answers 404 afterwards). running says what became of their
// work. Restart returns at once; the daemon answers again after down.
func (m *Incus) Restart(down time.Duration, running RunningOps) {
	m.life.Lock()
	if m.closed {
		m.life.Unlock()
		return
	}
	m.epoch.Add(1)
	_ = m.server.Close() // closes the listener (unlinking the socket) and every connection
	m.life.Unlock()

	m.mu.Lock()
	for _, mop := range m.ops {
		if mop.ended {
			continue
		}
		switch {
		case running == OpsFinish:
			mop.work()
		case running == OpsPartial && mop.partial != nil:
			mop.partial()
		}
		// Release the handlers still waiting on it; their connections are gone.
		mop.end("the daemon was restarted")
	}
	m.ops = map[string]*mockOperation{}
	m.mu.Unlock()

	time.AfterFunc(down, func() {
		m.life.Lock()
		defer m.life.Unlock()
		if m.closed {
			return
		}
		l, err := net.Listen("unix", m.socket)
		if err != nil {
			return
		}
		m.listener = l
		srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
		m.server = srv
		go func() { _ = srv.Serve(l) }()
	})
}

// Ready reports whether the fake answers (it is not in the middle of a Restart).
func (m *Incus) Ready() bool {
	conn, err := net.Dial("unix", m.socket)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// heldResponse keeps an answer until the handler is over.
type heldResponse struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
	hijack bool
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

// Hijack hands over the connection (dropConnection), which nothing was written to.
func (h *heldResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.w.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	h.hijack = true
	return hj.Hijack()
}

func (h *heldResponse) send() {
	if h.hijack {
		return
	}
	for k, v := range h.header {
		h.w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.w.WriteHeader(h.status)
	_, _ = h.w.Write(h.body.Bytes())
}
