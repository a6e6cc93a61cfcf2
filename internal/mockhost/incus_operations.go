package mockhost

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

type mockOperation struct {
	op   api.Operation
	done chan struct{}
	// work is what the operation does; partial, when set, is what is left
	// behind when the daemon dies half way through it (see Restart).
	work    func() string
	partial func()
	ended   bool // finished, or cut short by a restart
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// startOperation answers 202 with a new running operation and runs work in
// the background after OperationDelay. work runs with m.mu held and returns
// the operation's error text ("" for success). failWith, when not empty,
// fails the operation with that text instead of running work (fault injection).
func (m *Incus) startOperation(w http.ResponseWriter, description string, resources map[string][]string, failWith string, work func() string) *mockOperation {
	now := time.Now().UTC()
	mop := &mockOperation{
		op: api.Operation{
			ID: newUUID(), Class: "task", Description: description,
			CreatedAt: now, UpdatedAt: now,
			Status: api.Running.String(), StatusCode: api.Running,
			Resources: resources, Location: "none",
		},
		done: make(chan struct{}),
		work: work,
	}
	if failWith != "" {
		mop.work = func() string { return failWith }
	}
	m.ops[mop.op.ID] = mop
	snapshot := mop.op
	delay := m.OperationDelay
	go func() {
		if delay > 0 {
			time.Sleep(delay)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if mop.ended {
			return // the daemon was restarted meanwhile
		}
		mop.end(mop.work())
	}()
	w.Header().Set("Location", "/1.0/operations/"+snapshot.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{
		"type": "async", "status": "Operation created", "status_code": 100,
		"operation": "/1.0/operations/" + snapshot.ID, "error_code": 0, "error": "", "metadata": snapshot,
	})
	return mop
}

// end records the operation's outcome (errText "" is success); m.mu is held.
func (mop *mockOperation) end(errText string) {
	mop.ended = true
	mop.op.UpdatedAt = time.Now().UTC()
	if errText == "" {
		mop.op.Status, mop.op.StatusCode = api.Success.String(), api.Success
	} else {
		mop.op.Status, mop.op.StatusCode = api.Failure.String(), api.Failure
		mop.op.Err = errText
	}
	close(mop.done)
}

func (m *Incus) operationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/operations", m.listOperations)
	mux.HandleFunc("GET /1.0/operations/{id}", m.getOperation)
	mux.HandleFunc("GET /1.0/operations/{id}/wait", m.waitOperation)
	mux.HandleFunc("DELETE /1.0/operations/{id}", func(w http.ResponseWriter, r *http.Request) {
		mop := m.lookupOperation(w, r)
		if mop == nil {
			return
		}
		m.mu.Lock()
		running := !mop.ended
		cancelled := m.cancelTokenOperation(mop)
		m.mu.Unlock()
		if cancelled {
			writeEmpty(w) // a trust token revoked (incus_certificates.go)
			return
		}
		if running && mop.op.Description == "Executing command" {
			// A non-interactive exec is not cancellable (may_cancel false).
			writeError(w, http.StatusBadRequest, "This operation can't be cancelled")
			return
		}
		writeError(w, http.StatusBadRequest, "Only running operations can be cancelled") // incusd 6.0.4 answers 400
	})
}

func (m *Incus) listOperations(w http.ResponseWriter, r *http.Request) {
	// incusd groups the list by lowercased status: {"running": [...]}.
	m.mu.Lock()
	urls := map[string][]string{}
	full := map[string][]api.Operation{}
	for id, mop := range m.ops {
		key := strings.ToLower(mop.op.Status)
		urls[key] = append(urls[key], "/1.0/operations/"+id)
		full[key] = append(full[key], mop.op)
	}
	m.mu.Unlock()
	if r.URL.Query().Get("recursion") != "" {
		writeSync(w, full, "")
	} else {
		writeSync(w, urls, "")
	}
}

// lookupOperation finds the operation of the path, or writes incusd's 404.
func (m *Incus) lookupOperation(w http.ResponseWriter, r *http.Request) *mockOperation {
	m.mu.Lock()
	mop, ok := m.ops[r.PathValue("id")]
	m.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Operation not found")
		return nil
	}
	return mop
}

func (m *Incus) getOperation(w http.ResponseWriter, r *http.Request) {
	mop := m.lookupOperation(w, r)
	if mop == nil {
		return
	}
	m.mu.Lock()
	op := mop.op
	m.mu.Unlock()
	writeSync(w, op, "")
}

func (m *Incus) waitOperation(w http.ResponseWriter, r *http.Request) {
	mop := m.lookupOperation(w, r)
	if mop == nil {
		return
	}
	timeout := -1
	if t := r.URL.Query().Get("timeout"); t != "" {
		if n, err := strconv.Atoi(t); err == nil {
			timeout = n
		}
	}
	var expired <-chan time.Time
	if timeout >= 0 {
		expired = time.After(time.Duration(timeout) * time.Second)
	}
	select {
	case <-mop.done:
	case <-expired:
	case <-r.Context().Done():
		return
	}
	m.mu.Lock()
	op := mop.op
	m.mu.Unlock()
	if op.StatusCode == api.Failure {
		// incusd answers the wait of a failed operation with HTTP 200
		// and an error body carrying the operation's error; its code is
		// 404 when a missing object failed it (a network, a pool), which
		// incusd's texts then end with "not found".
		code := http.StatusInternalServerError
		if strings.HasSuffix(op.Err, " not found") {
			code = http.StatusNotFound
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"type": "error", "status": "", "status_code": 0, "operation": "",
			"error_code": code, "error": op.Err, "metadata": nil,
		})
		return
	}
	writeSync(w, op, "")
}
