package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// perKind is how many objects of each kind the mixed benchmark makes.
const perKind = 20

// mixedStages are the kinds of BenchmarkIncusMixed100, made one kind per
// apply so that each apply's requests are that kind's creates.
var mixedStages = []struct {
	kind, hcl string
}{
	{"profile", `
resource "rack_incus_profile" "p" {
  count  = %[1]d
  name   = "bench-p-${count.index}"
  config = { "limits.cpu" = "1" }
}
`},
	{"project", `
resource "rack_incus_project" "j" {
  count = %[1]d
  name  = "bench-j-${count.index}"
}
`},
	{"volume", `
resource "rack_incus_storage_volume" "v" {
  count = %[1]d
  pool  = "default"
  name  = "bench-v-${count.index}"
}
`},
	{"volume snapshot", `
resource "rack_incus_storage_volume_snapshot" "s" {
  count  = %[1]d
  pool   = "default"
  volume = rack_incus_storage_volume.v[count.index].name
  name   = "snap0"
}
`},
	{"instance", `
resource "rack_incus_instance" "i" {
  count        = %[1]d
  name         = "bench-i-${count.index}"
  image        = %[2]q
  running      = false
  stop_timeout = 0
}
`},
}

// BenchmarkIncusMixed100 creates 20 each of profiles, projects, custom
// volumes, volume snapshots and (stopped) instances, one kind per apply,
// then refreshes all 100 and destroys them. It reports the requests per
// create of each kind (DESIGN.md: a config object <= 2, create and read
// back) and per object of the refresh (target 1).
func BenchmarkIncusMixed100(b *testing.B) {
	provider := buildProvider(b)
	b.Run("mock", func(b *testing.B) {
		dir := shortTempDir(b)
		m, err := mockhost.StartIncusWith(filepath.Join(dir, "incus.sock"), mockhost.IncusOptions{ImageAlias: "rack-busybox", AdminInit: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = m.Close() })
		runMixed(b, provider, host{socket: m.Socket(), requests: m.Requests}, "rack-busybox")
	})
	b.Run("real", func(b *testing.B) {
		target, image := realHostSocket(b)
		p := startCountingProxy(b, target, filepath.Join(shortTempDir(b), "proxy.sock"))
		runMixed(b, provider, host{socket: p.socket, direct: target, requests: p.Requests}, image)
	})
}

func runMixed(b *testing.B, provider string, h host, image string) {
	work := b.TempDir()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")
	create := make([]int64, len(mixedStages))
	var refresh, destroy int64
	for i := 0; i < b.N; i++ {
		var body strings.Builder
		for s, stage := range mixedStages {
			fmt.Fprintf(&body, stage.hcl, perKind, image)
			writeMixedConfig(b, work, h.socket, body.String())
			start := h.requests()
			terraform(b, work, env, "apply", "-auto-approve")
			// The apply also refreshes the kinds made before: take those
			// reads (one per object, as the plan below shows) away.
			create[s] += h.requests() - start - int64(s*perKind)
		}
		start := h.requests()
		terraform(b, work, env, "plan", "-detailed-exitcode")
		plan := h.requests() - start
		refresh += plan
		start = h.requests()
		terraform(b, work, env, "destroy", "-auto-approve")
		destroy += h.requests() - start - plan
		b.Logf("round %d: refresh of %d objects: %d requests", i+1, perKind*len(mixedStages), plan)
	}
	rounds := float64(b.N)
	for s, stage := range mixedStages {
		b.ReportMetric(float64(create[s])/rounds/perKind, "create-req/"+strings.ReplaceAll(stage.kind, " ", "-"))
	}
	b.ReportMetric(float64(refresh)/rounds/float64(perKind*len(mixedStages)), "refresh-req/obj")
	b.ReportMetric(float64(destroy)/rounds/float64(perKind*len(mixedStages)), "destroy-req/obj")
}

// writeMixedConfig is the provider block on socket, then body.
func writeMixedConfig(b *testing.B, dir, socket, body string) {
	b.Helper()
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}

provider "rack" {
  incus_config_dir = %q
  incus_remote {
    name    = "bench"
    address = "unix://%s"
  }
}
`, dir, socket) + body
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
}
