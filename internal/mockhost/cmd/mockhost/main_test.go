package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// syncBuffer is the command's output, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the output holds text.
func (s *syncBuffer) waitFor(t *testing.T, text string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if out := s.String(); strings.Contains(out, text) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", text, s.String())
		}
	}
}

var providerBlockRE = regexp.MustCompile(`(?ms)^provider "rack" \{$.*?^\}$`)

// The command as a user runs it (with the example seed file): the provider
// block it prints works as pasted, two instances from the admin-init-like
// default profile get distinct addresses on incusbr0, the PiKVM block
// reaches the fake kvmd, SIGHUP resets, and stopping removes the socket.
func TestMockhostCommand(t *testing.T) {
	acctest.PreCheck(t)
	dir, err := os.MkdirTemp("", "rack-cmd-") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "incus.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reset := make(chan os.Signal, 1)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-incus-socket", socket, "-incus-config-dir", filepath.Join(dir, "conf"),
			"-kvmd-addr", "127.0.0.1:0", "-boot-delay", "10ms", "-seed", "../../../../examples/mockhost/seed.yaml"}, out, reset)
	}()
	banner := out.waitFor(t, "Reset to the start state")
	t.Log(banner)
	for _, want := range []string{"unix://" + socket, "network incusbr0 (ipv4 192.0.2.1/24, ipv6 2001:db8::1/64)",
		"image aliases: debian, debian/12, debian/12/vm, rack-busybox", "user admin, password admin"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q", want)
		}
	}
	block := providerBlockRE.FindString(banner)
	if block == "" {
		t.Fatalf("no provider block in:\n%s", banner)
	}

	ipv4 := regexp.MustCompile(`^192\.0\.2\.\d+$`)
	ipv6 := regexp.MustCompile(`^2001:db8::[0-9a-f]+$`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: block + `
resource "rack_incus_instance" "web" {
  name     = "web1"
  image    = "rack-busybox"
  wait_for = [{ type = "ipv4" }]
}

resource "rack_incus_instance" "db" {
  name     = "db01" # as long as web1: addresses no longer derive from the length
  image    = "rack-busybox"
  wait_for = [{ type = "ipv4" }]
}

data "rack_pikvm_power" "host" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("rack_incus_instance.web", tfjsonpath.New("ipv4_address"), knownvalue.StringRegexp(ipv4)),
				statecheck.ExpectKnownValue("rack_incus_instance.web", tfjsonpath.New("ipv6_address"), knownvalue.StringRegexp(ipv6)),
				statecheck.ExpectKnownValue("rack_incus_instance.db", tfjsonpath.New("ipv4_address"), knownvalue.StringRegexp(ipv4)),
				statecheck.CompareValuePairs("rack_incus_instance.web", tfjsonpath.New("ipv4_address"),
					"rack_incus_instance.db", tfjsonpath.New("ipv4_address"), compare.ValuesDiffer()),
				statecheck.CompareValuePairs("rack_incus_instance.web", tfjsonpath.New("ipv6_address"),
					"rack_incus_instance.db", tfjsonpath.New("ipv6_address"), compare.ValuesDiffer()),
				statecheck.ExpectKnownValue("data.rack_pikvm_power.host", tfjsonpath.New("state"), knownvalue.StringExact("off")),
			},
		}},
	})

	// A reset forgets what was made since the start.
	c, err := incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.CreateInstance(api.InstancesPost{Name: "left-over", Source: api.InstanceSource{Type: "image", Alias: "debian"}})
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatal(err)
	}
	reset <- os.Interrupt // any value: main sends SIGHUP
	out.waitFor(t, "reset to the start state")
	if names, err := c.GetInstanceNames(api.InstanceTypeAny); err != nil || len(names) != 0 {
		t.Errorf("after the reset: instances %v, %v", names, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop")
	}
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Errorf("the socket is still there after stopping: %v", err)
	}
}

// A second mock host on the socket of a running one is refused, not
// started over it.
func TestMockhostSocketInUse(t *testing.T) {
	dir, err := os.MkdirTemp("", "rack-cmd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "incus.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	args := []string{"-incus-socket", socket, "-incus-config-dir", filepath.Join(dir, "conf"), "-kvmd-addr", ""}
	go func() { done <- run(ctx, args, out, nil) }()
	out.waitFor(t, "Reset to the start state")
	err = run(ctx, args, &syncBuffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("something answers on %s already", socket)) {
		t.Fatalf("second start: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
