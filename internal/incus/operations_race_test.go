package incus

import (
	"context"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// Run with -race. waitOperation now runs op.WaitContext inside withContext:
// when the resource's deadline passes first, withContext returns while the
// goroutine is still in the wait, and that goroutine later writes
// op.Operation (WaitContext stores the answer) while waitOperation and
// CreateInstance read it through op.Get(). The race detector reports it.
func TestWaitTimeoutDoesNotRaceOnOperation(t *testing.T) {
	m, c := startMock(t)
	if _, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: "web", Image: ImageSource{Name: "busybox"}, Start: true}); err != nil {
		t.Fatal(err)
	}
	// The wait's answer comes after the deadline.
	m.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/1.0/operations/", Times: 1, Latency: 1500 * time.Millisecond})
	ctx, cancel := clienterr.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := c.StopInstance(ctx, Scope{}, "web", 0)
	t.Logf("stop: %v", err)
	time.Sleep(2 * time.Second) // let the abandoned wait goroutine write its answer
}
