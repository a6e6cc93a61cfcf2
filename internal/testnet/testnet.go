// Package testnet hands the tests their bridge subnets on the real Incus
// daemon: /24s of 198.18.0.0/15 (set aside for benchmarks, never routed),
// each held by one test process at a time. Two bridges with the same
// gateway address cannot both run (the second one's dnsmasq finds the
// address taken), and the test packages run at once against one daemon.
package testnet

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Ranges the tests may take: 198.18.0-199 and 198.19.0-229. The rest is
// for fixed uses: the bench (198.18.200-219, 198.19.230-250), the lab
// example (198.18.252, 198.19.252) and the fake-versus-real wire tests
// (198.18.248-251).
var pool = func() []string {
	var out []string
	for i := 0; i < 200; i++ {
		out = append(out, fmt.Sprintf("198.18.%d", i))
	}
	for i := 0; i < 230; i++ {
		out = append(out, fmt.Sprintf("198.19.%d", i))
	}
	return out
}()

var (
	mu   sync.Mutex
	held = map[string]string{} // key -> subnet, for this process
)

// claims is where processes record what they hold: a file per /24 holding
// the holder's process ID.
func claims() string { return filepath.Join(os.TempDir(), "rack-test-subnets") }

// Subnet24 is the first three octets ("198.18.7") of a /24 that no other
// live test process holds, the same for every call with the same key in
// this process. The process holds it until it exits.
func Subnet24(key string) string {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := held[key]; ok {
		return s
	}
	dir := claims()
	_ = os.MkdirAll(dir, 0o750)
	me := strconv.Itoa(os.Getpid())
	for _, i := range rand.Perm(len(pool)) { //nolint:gosec // spreads the picks; no secret
		s := pool[i]
		if taken(s) {
			continue
		}
		if claim(filepath.Join(dir, s), me) {
			held[key] = s
			return s
		}
	}
	panic("testnet: every test subnet is held by a live process")
}

// taken reports whether this process already holds s under another key.
func taken(s string) bool {
	for _, h := range held {
		if h == s {
			return true
		}
	}
	return false
}

// claim takes the file for a /24, or takes it over from a process that is
// gone.
func claim(path, me string) bool {
	for range 2 {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_, werr := f.WriteString(me)
			return errors.Join(werr, f.Close()) == nil
		}
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			return false
		}
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if perr == nil && alive(pid) {
			return false
		}
		_ = os.Remove(path) // its holder is gone (or never wrote): try again
	}
	return false
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
