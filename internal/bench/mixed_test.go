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

// stage is one kind of object a staged benchmark makes, perKind of them in
// one apply. hcl is a format with the count (%[1]d) and the image (%[2]q);
// mockOnly kinds need what the real test daemon lacks (OVN, a newer API).
type stage struct {
	kind, hcl string
	mockOnly  bool
}

// mixedStages are the kinds of BenchmarkIncusMixed100.
var mixedStages = []stage{
	{kind: "profile", hcl: `
resource "rack_incus_profile" "p" {
  count  = %[1]d
  name   = "bench-p-${count.index}"
  config = { "limits.cpu" = "1" }
}
`},
	{kind: "project", hcl: `
resource "rack_incus_project" "j" {
  count = %[1]d
  name  = "bench-j-${count.index}"
}
`},
	{kind: "volume", hcl: `
resource "rack_incus_storage_volume" "v" {
  count = %[1]d
  pool  = "default"
  name  = "bench-v-${count.index}"
}
`},
	{kind: "volume snapshot", hcl: `
resource "rack_incus_storage_volume_snapshot" "s" {
  count  = %[1]d
  pool   = "default"
  volume = rack_incus_storage_volume.v[count.index].name
  name   = "snap0"
}
`},
	{kind: "instance", hcl: `
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
// back) and per object of the refresh (target 1), per kind and overall.
func BenchmarkIncusMixed100(b *testing.B) {
	runStagedOnHosts(b, mixedStages)
}

// runStagedOnHosts runs the stages on the mock (as `make mock` starts it)
// and, when there is one, the real daemon through a counting proxy.
func runStagedOnHosts(b *testing.B, stages []stage) {
	provider := buildProvider(b)
	b.Run("mock", func(b *testing.B) {
		dir := shortTempDir(b)
		m, err := mockhost.StartIncusWith(filepath.Join(dir, "incus.sock"), mockhost.IncusOptions{ImageAlias: "rack-busybox", AdminInit: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = m.Close() })
		runStages(b, provider, host{socket: m.Socket(), requests: m.Requests}, "rack-busybox", stages)
	})
	b.Run("real", func(b *testing.B) {
		target, image := realHostSocket(b)
		p := startCountingProxy(b, target, filepath.Join(shortTempDir(b), "proxy.sock"))
		var real []stage
		for _, s := range stages {
			if !s.mockOnly {
				real = append(real, s)
			}
		}
		runStages(b, provider, host{socket: p.socket, direct: target, requests: p.Requests}, image, real)
	})
}

// runStages makes the kinds one per apply, each apply followed by a plan:
// the plan after stage s refreshes every object made so far, so what it
// costs beyond the plan before is the refresh of kind s, and what an apply
// costs beyond the plan before it is the creates of its kind.
func runStages(b *testing.B, provider string, h host, image string, stages []stage) {
	work := b.TempDir()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")
	create := make([]int64, len(stages))
	refresh := make([]int64, len(stages))
	var total, destroy int64
	for i := 0; i < b.N; i++ {
		var body strings.Builder
		var lastPlan int64
		for s, st := range stages {
			fmt.Fprintf(&body, st.hcl, perKind, image)
			writeMixedConfig(b, work, h.socket, body.String())
			start := h.requests()
			terraform(b, work, env, "apply", "-auto-approve")
			create[s] += h.requests() - start - lastPlan
			start = h.requests()
			terraform(b, work, env, "plan", "-detailed-exitcode")
			plan := h.requests() - start
			refresh[s] += plan - lastPlan
			lastPlan = plan
		}
		total += lastPlan
		start := h.requests()
		terraform(b, work, env, "destroy", "-auto-approve")
		destroy += h.requests() - start - lastPlan
		b.Logf("round %d: refresh of %d objects: %d requests", i+1, perKind*len(stages), lastPlan)
	}
	rounds := float64(b.N)
	for s, st := range stages {
		kind := strings.ReplaceAll(st.kind, " ", "-")
		b.ReportMetric(float64(create[s])/rounds/perKind, "create-req/"+kind)
		b.ReportMetric(float64(refresh[s])/rounds/perKind, "refresh-req/"+kind)
	}
	b.ReportMetric(float64(total)/rounds/float64(perKind*len(stages)), "refresh-req/obj")
	b.ReportMetric(float64(destroy)/rounds/float64(perKind*len(stages)), "destroy-req/obj")
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
