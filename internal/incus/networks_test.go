package incus

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// A delete that lost incusd's bridge-scan race is sent again until it
// goes through; any other refusal is returned at once.
func TestRetryRace(t *testing.T) {
	t.Parallel()
	race := errors.New(`Failed to delete bridge children interfaces: Failed to run: ip -d -j link show br7: exit status 1 (Device "br7" does not exist.)`)
	calls := 0
	err := retryRace(context.Background(), bridgeScanRace, func() error {
		calls++
		if calls < 3 {
			return race
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("after two races: err %v after %d calls, want success on the third", err, calls)
	}

	calls = 0
	inUse := errors.New("The network is currently in use")
	if err := retryRace(context.Background(), bridgeScanRace, func() error { calls++; return inUse }); !errors.Is(err, inUse) || calls != 1 {
		t.Errorf("in use: err %v after %d calls, want it at once", err, calls)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	if err := retryRace(cancelled, bridgeScanRace, func() error { calls++; return race }); !errors.Is(err, race) || calls != 1 {
		t.Errorf("cancelled: err %v after %d calls, want the race at once", err, calls)
	}

	if testing.Short() {
		return
	}
	calls = 0
	if err := retryRace(context.Background(), bridgeScanRace, func() error { calls++; return race }); !errors.Is(err, race) || calls != raceRetries+1 {
		t.Errorf("always racing: err %v after %d calls, want the race after %d", err, calls, raceRetries+1)
	}
}

// incusd's 404 for an ACL whose usage scan lost a race is not believed:
// the read and the delete are sent again.
func TestACLUsageRace(t *testing.T) {
	m, c := startMock(t)
	ctx, s := context.Background(), Scope{}
	mustOK(t, c.CreateNetworkACL(ctx, s, "web", NetworkACLPut{}))
	race := mockhost.Fault{Method: http.MethodGet, PathPrefix: "/1.0/network-acls/web", Times: 2,
		Status: http.StatusNotFound, Message: "Failed getting ACL usage: Network ACL not found"}
	m.InjectFault(race)
	if _, err := c.GetNetworkACL(ctx, s, "web"); err != nil {
		t.Errorf("read after two lost races: %v", err)
	}
	race.Method = http.MethodDelete
	m.InjectFault(race)
	mustOK(t, c.DeleteNetworkACL(ctx, s, "web"))
	if _, err := c.GetNetworkACL(ctx, s, "web"); !IsNotFound(err) {
		t.Errorf("after the delete: %v, want NotFound", err)
	}

}
