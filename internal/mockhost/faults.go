package mockhost

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure. A request matches when its method (empty:
// any) and path prefix match; the fault then applies to the next Times
// matching requests (0: every one, until cleared).
type Fault struct {
	Method     string
	PathPrefix string // e.g. "/1.0/instances/web" (query strings are not matched)
	Times      int

	Status  int           // answer with this HTTP status and the daemon's error body
	Message string        // error text for Status or FailOperation
	Latency time.Duration // delay before the request is handled (or answered)
	Drop    bool          // close the connection without an answer
	// FailOperation lets the request start its background operation and then
	// fails the operation with Message (Incus only).
	FailOperation bool
	// RawBody answers Status with this body as plain text/HTML instead of the
	// daemon's JSON (a proxy's error page).
	RawBody string
	// Hook runs when a matching request arrives, before it is handled; with
	// HookAfter, once the daemon has handled it (for a request that starts
	// an operation: accepted it). Tests use it to act at an exact moment,
	// such as interrupting Terraform or restarting the daemon.
	Hook      func()
	HookAfter bool
}

// faults is a list of injected failures, safe for concurrent use.
type faults struct {
	mu   sync.Mutex
	list []*faultEntry
}

type faultEntry struct {
	Fault
	used int
}

// Add injects a fault. It returns a function that removes it.
func (f *faults) Add(fault Fault) (remove func()) {
	e := &faultEntry{Fault: fault}
	f.mu.Lock()
	f.list = append(f.list, e)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, x := range f.list {
			if x == e {
				f.list = append(f.list[:i], f.list[i+1:]...)
				return
			}
		}
	}
}

// Clear removes every fault.
func (f *faults) Clear() {
	f.mu.Lock()
	f.list = nil
	f.mu.Unlock()
}

// match returns the fault for a request, counting its use.
func (f *faults) match(r *http.Request) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, e := range f.list {
		if e.Method != "" && !strings.EqualFold(e.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, e.PathPrefix) {
			continue
		}
		e.used++
		if e.Times > 0 && e.used >= e.Times {
			f.list = append(f.list[:i], f.list[i+1:]...)
		}
		fault := e.Fault
		return &fault
	}
	return nil
}

// intercept applies the fault matching a request, if any: it waits the
// fault's latency, then drops the connection or answers in the daemon's place
// (writeStatus writes the daemon's own error body). It returns the fault, for
// faults that act later (FailOperation), and whether the request is answered.
func (f *faults) intercept(w http.ResponseWriter, r *http.Request, writeStatus func(w http.ResponseWriter, status int, message string)) (*Fault, bool) {
	fault := f.match(r)
	if fault == nil {
		return nil, false
	}
	if fault.Hook != nil && !fault.HookAfter {
		fault.Hook()
	}
	if fault.Latency > 0 {
		time.Sleep(fault.Latency)
	}
	switch {
	case fault.Drop:
		dropConnection(w)
	case fault.RawBody != "":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(fault.Status)
		_, _ = w.Write([]byte(fault.RawBody))
	case fault.Status != 0:
		writeStatus(w, fault.Status, fault.Message)
	default:
		return fault, false
	}
	return fault, true
}

// after runs a fault's HookAfter hook, if any: defer it in a handler.
func (f *Fault) after() {
	if f != nil && f.Hook != nil && f.HookAfter {
		f.Hook()
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
