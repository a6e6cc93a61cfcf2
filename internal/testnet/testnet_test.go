package testnet

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// One key, one subnet; two keys, two; a subnet held by a live process is
// never handed out, one held by a process that is gone is.
func TestSubnet24(t *testing.T) {
	a, b := Subnet24("a"), Subnet24("b")
	if a == b || Subnet24("a") != a {
		t.Fatalf("a=%s b=%s, a again=%s", a, b, Subnet24("a"))
	}
	if got, err := os.ReadFile(filepath.Join(claims(), a)); err != nil || string(got) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("claim of %s: %q %v", a, got, err)
	}
	if claim(filepath.Join(claims(), a), "1") {
		t.Error("took over a subnet this live process holds")
	}
	stale := filepath.Join(claims(), "stale-test")
	if err := os.WriteFile(stale, []byte("999999999"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(stale) })
	if !claim(stale, "1") {
		t.Error("did not take over a subnet whose holder is gone")
	}
}
