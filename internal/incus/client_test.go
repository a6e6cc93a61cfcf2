package incus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func startMock(t *testing.T) (*mockhost.Incus, *Client) {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-incus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := mockhost.StartIncus(filepath.Join(dir, "incus.sock"), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	c, err := New(Options{Remotes: map[string]Remote{"m": {Name: "m", Address: "unix://" + m.Socket()}}, DefaultRemote: "m"})
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

// The request budget of DESIGN.md: create+start 3, read 1, destroy 4.
func TestRequestBudget(t *testing.T) {
	m, c := startMock(t)
	ctx := context.Background()
	s := Scope{}

	before := m.Requests()
	inst, err := c.CreateInstance(ctx, s, InstanceSpec{Name: "web", Image: ImageSource{Name: "busybox"}, Start: true})
	if err != nil {
		t.Fatal(err)
	}
	if !inst.Running() || inst.ImageFingerprint == "" {
		t.Fatalf("created instance: %+v", inst)
	}
	if n := m.Requests() - before; n != 3 {
		t.Fatalf("create+start took %d requests, want 3 (POST with start, wait, read back)", n)
	}

	before = m.Requests()
	if _, err := c.GetInstance(ctx, s, "web"); err != nil {
		t.Fatal(err)
	}
	if n := m.Requests() - before; n != 1 {
		t.Fatalf("a read took %d requests, want 1", n)
	}

	before = m.Requests()
	if err := c.DeleteInstance(ctx, s, "web", true, 0); err != nil {
		t.Fatal(err)
	}
	if n := m.Requests() - before; n != 4 {
		t.Fatalf("destroy took %d requests, want 4 (stop, wait, delete, wait)", n)
	}
	if _, err := c.GetInstance(ctx, s, "web"); !IsNotFound(err) {
		t.Fatalf("after delete: %v, want NotFound", err)
	}
	if err := c.DeleteInstance(ctx, s, "web", false, 0); err != nil {
		t.Fatalf("deleting a deleted instance must succeed: %v", err)
	}
}

func TestConnectionIsSharedAcrossGoroutines(t *testing.T) {
	m, c := startMock(t)
	if _, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: "a", Image: ImageSource{Name: "busybox"}}); err != nil {
		t.Fatal(err)
	}
	before := m.Requests()
	done := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() { _, err := c.GetInstance(context.Background(), Scope{}, "a"); done <- err }()
	}
	for i := 0; i < 20; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Requests() - before; n != 20 {
		t.Fatalf("20 parallel reads took %d requests: connection setup is not shared", n)
	}
}

// Concurrent resources wait on operations over one shared connection. The
// Incus client adjusts the transport before each wait; under -race (make
// test) this fails if that touches the transport the requests use.
func TestConcurrentOperationWaits(t *testing.T) {
	m, c := startMock(t)
	m.OperationDelay = 20 * time.Millisecond
	done := make(chan error, 10)
	for i := 0; i < 10; i++ {
		go func() {
			_, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: fmt.Sprintf("c%d", i), Image: ImageSource{Name: "busybox"}, Start: true})
			done <- err
		}()
	}
	for i := 0; i < 10; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestOperationFailureKeepsOperationID(t *testing.T) {
	m, c := startMock(t)
	m.InjectFault(mockhost.Fault{Method: "PUT", PathPrefix: "/1.0/instances/a/state", FailOperation: true, Message: "boom"})
	if _, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: "a", Image: ImageSource{Name: "busybox"}}); err != nil {
		t.Fatal(err)
	}
	err := c.StartInstance(context.Background(), Scope{}, "a")
	var op *clienterr.OperationError
	if !errors.As(err, &op) || len(op.OperationID) != 36 || op.Message != "boom" || op.Description != "Starting instance" {
		t.Fatalf("got %#v", err)
	}
}

// A create that outlives its timeout is reported as a Timeout of that
// timeout, and followed for a grace longer so that the instance incusd goes
// on to make is returned (to be kept in state), not orphaned.
func TestCreateTimeoutRecordsWhatIsMade(t *testing.T) {
	m, c := startMock(t)
	m.OperationDelay = 3 * time.Second
	ctx, cancel := clienterr.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	inst, err := c.CreateInstance(ctx, Scope{}, InstanceSpec{Name: "slow", Image: ImageSource{Name: "busybox"}})
	var to *clienterr.TimeoutError
	if !errors.As(err, &to) || to.Timeout != 1500*time.Millisecond {
		t.Fatalf("got %#v, want a TimeoutError of 1.5s", err)
	}
	if inst == nil || inst.Name != "slow" {
		t.Fatalf("the instance made after the timeout was not returned: %+v", inst)
	}
	if took := time.Since(start); took > readBackGrace {
		t.Fatalf("the create took %s, past its grace", took)
	}
}

func TestUnknownRemote(t *testing.T) {
	_, c := startMock(t)
	_, err := c.GetInstance(context.Background(), Scope{Remote: "nope"}, "x")
	var v *clienterr.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("got %#v", err)
	}
}

// A create whose operation incusd forgot in a restart: once incusd answers
// again, the error says what it holds (as on the real daemon, see
// internal/acctest/interrupt/crash_test.go), not "check that incusd runs".
func TestCreateLostInRestartSaysWhatIncusdHas(t *testing.T) {
	for _, tc := range []struct {
		running mockhost.RunningOps
		created bool
		hint    string
	}{
		{mockhost.OpsAbandon, false, `incusd answered again afterwards and has no instance "a": it was not created. Apply again to create it.`},
		{mockhost.OpsPartial, true, `incusd answered again afterwards: instance "a" exists (status Stopped).`},
	} {
		m, c := startMock(t)
		m.OperationDelay = 200 * time.Millisecond
		m.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/1.0/operations/", Times: 1, Hook: func() { m.Restart(300*time.Millisecond, tc.running) }})
		inst, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: "a", Image: ImageSource{Name: "busybox"}, Start: true})
		var conn *clienterr.ConnectionError
		if !errors.As(err, &conn) || conn.Hint != tc.hint {
			t.Fatalf("ops %v: got %#v, want a ConnectionError with the hint %q", tc.running, err, tc.hint)
		}
		if (inst != nil) != tc.created || (inst != nil && inst.Running()) {
			t.Fatalf("ops %v: got instance %+v, want created %v and stopped", tc.running, inst, tc.created)
		}
	}
}
