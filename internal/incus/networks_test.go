package incus

import (
	"errors"
	"testing"
)

// A delete that lost incusd's bridge-scan race is sent again until it
// goes through; any other refusal is returned at once.
func TestRetryBridgeScanRace(t *testing.T) {
	t.Parallel()
	race := errors.New(`Failed to delete bridge children interfaces: Failed to run: ip -d -j link show br7: exit status 1 (Device "br7" does not exist.)`)
	calls := 0
	err := retryBridgeScanRace(func() error {
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
	if err := retryBridgeScanRace(func() error { calls++; return inUse }); !errors.Is(err, inUse) || calls != 1 {
		t.Errorf("in use: err %v after %d calls, want it at once", err, calls)
	}

	if testing.Short() {
		return
	}
	calls = 0
	if err := retryBridgeScanRace(func() error { calls++; return race }); !errors.Is(err, race) || calls != bridgeScanRetries+1 {
		t.Errorf("always racing: err %v after %d calls, want the race after %d", err, calls, bridgeScanRetries+1)
	}
}
