package incus

import (
	"context"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// A connection dropped during an operation wait, while the daemon keeps
// running and finishes the operation, is not a failure: the refresh that
// follows sees the operation succeed, so the call must succeed. Today the
// dropped wait's error is returned even though the operation is Success.
func TestWaitDroppedButOperationSucceeded(t *testing.T) {
	m, c := startMock(t)
	ctx := context.Background()
	if _, err := c.CreateInstance(ctx, Scope{}, InstanceSpec{Name: "web", Image: ImageSource{Name: "busybox"}, Start: true}); err != nil {
		t.Fatal(err)
	}
	m.OperationDelay = 100 * time.Millisecond
	// The wait is held until the operation has finished, then its connection is cut.
	m.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/1.0/operations/", Times: 1, Latency: 400 * time.Millisecond, Drop: true})
	if err := c.StopInstance(ctx, Scope{}, "web", 0); err != nil {
		t.Fatalf("stop succeeded on the daemon, but the call returned: %v", err)
	}
	inst, err := c.GetInstance(ctx, Scope{}, "web")
	if err != nil || inst.Running() {
		t.Fatalf("after stop: %+v, %v", inst, err)
	}
}
