package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const instances = 20

// host is an Incus daemon under measurement with a request counter.
type host struct {
	socket   string // what the provider talks to (the counting proxy on a real host)
	direct   string // the daemon's own socket, for the incus CLI
	requests func() int64
}

// BenchmarkIncus20 applies, plans and destroys 20 containers at Terraform's
// default parallelism (10) and reports requests per instance and wall time.
// On the real host it also times the incus CLI doing the same work, 10 at a
// time, and reports the ratio.
func BenchmarkIncus20(b *testing.B) {
	if _, err := exec.LookPath("terraform"); err != nil {
		b.Skip("terraform is not on PATH")
	}
	provider := buildProvider(b)

	b.Run("mock", func(b *testing.B) {
		dir := shortTempDir(b)
		m, err := mockhost.StartIncus(filepath.Join(dir, "incus.sock"), "rack-busybox")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = m.Close() })
		runScenario(b, provider, host{socket: m.Socket(), requests: m.Requests}, "rack-busybox", false)
	})

	b.Run("real", func(b *testing.B) {
		target, image := realHostSocket(b)
		p := startCountingProxy(b, target, filepath.Join(shortTempDir(b), "proxy.sock"))
		runScenario(b, provider, host{socket: p.socket, direct: target, requests: p.Requests}, image, true)
	})
}

// realHostSocket is the real incusd's socket and test image, or a skip.
func realHostSocket(b *testing.B) (socket, image string) {
	socket = os.Getenv("RACK_ACC_INCUS_SOCKET")
	if socket == "" {
		socket = "/var/lib/incus/unix.socket"
	}
	if _, err := os.Stat(socket); err != nil {
		b.Skip("no real Incus socket (set RACK_ACC_INCUS_SOCKET)")
	}
	image = os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = "rack-busybox"
	}
	return socket, image
}

func runScenario(b *testing.B, provider string, h host, image string, compareCLI bool) {
	work := b.TempDir()
	writeConfig(b, work, h.socket, image)
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")

	var sum struct {
		applyReq, planReq, destroyReq        int64
		apply, destroy, cliApply, cliDestroy time.Duration
	}
	for i := 0; i < b.N; i++ {
		start := h.requests()
		t0 := time.Now()
		terraform(b, work, env, "apply", "-auto-approve")
		applyTime := time.Since(t0)
		applyReq := h.requests() - start

		start = h.requests()
		terraform(b, work, env, "plan", "-detailed-exitcode")
		planReq := h.requests() - start

		start = h.requests()
		t0 = time.Now()
		terraform(b, work, env, "destroy", "-auto-approve")
		destroyTime := time.Since(t0)
		// terraform destroy refreshes first; DESIGN.md counts the destroy after it.
		destroyReq := h.requests() - start - planReq
		b.Logf("round %d: apply %.2fs (%d requests), plan %d requests, destroy %.2fs (%d requests after refresh)",
			i+1, applyTime.Seconds(), applyReq, planReq, destroyTime.Seconds(), destroyReq)

		sum.applyReq += applyReq
		sum.planReq += planReq
		sum.destroyReq += destroyReq
		sum.apply += applyTime
		sum.destroy += destroyTime
		if compareCLI {
			// The CLI talks to incusd directly (it pays no proxy hop; the
			// provider does): its events websocket does not go through the proxy.
			cliApply, cliDestroy := incusCLI(b, h.direct, image, i)
			b.Logf("round %d: incus CLI, 10 at a time: launch %.2fs, delete -f %.2fs", i+1, cliApply.Seconds(), cliDestroy.Seconds())
			sum.cliApply += cliApply
			sum.cliDestroy += cliDestroy
		}
	}

	// Means over the rounds (-benchtime Nx).
	rounds := float64(b.N)
	perInstance := func(n int64) float64 { return float64(n) / rounds / instances }
	b.ReportMetric(perInstance(sum.applyReq), "apply-req/inst")
	b.ReportMetric(perInstance(sum.planReq), "plan-req/inst")
	b.ReportMetric(perInstance(sum.destroyReq), "destroy-req/inst")
	b.ReportMetric(sum.apply.Seconds()/rounds, "apply-s")
	b.ReportMetric(sum.destroy.Seconds()/rounds, "destroy-s")
	if compareCLI {
		b.ReportMetric(sum.cliApply.Seconds()/rounds, "cli-apply-s")
		b.ReportMetric(sum.cliDestroy.Seconds()/rounds, "cli-destroy-s")
		b.ReportMetric(sum.apply.Seconds()/sum.cliApply.Seconds(), "apply/cli")
		b.ReportMetric(sum.destroy.Seconds()/sum.cliDestroy.Seconds(), "destroy/cli")
	}
}

// incusCLI launches and force-deletes 20 containers with the incus CLI, 10 at a time.
func incusCLI(b *testing.B, socket, image string, round int) (launch, del time.Duration) {
	if _, err := exec.LookPath("incus"); err != nil {
		b.Skip("the incus CLI is not installed")
	}
	names := make([]string, instances)
	for i := range names {
		names[i] = fmt.Sprintf("bench-cli-%d-%02d", round, i)
	}
	run := func(args func(name string) []string) time.Duration {
		t0 := time.Now()
		sem := make(chan struct{}, 10)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failure error
		for _, n := range names {
			wg.Add(1)
			sem <- struct{}{}
			go func(n string) {
				defer wg.Done()
				defer func() { <-sem }()
				cmd := exec.Command("incus", args(n)...)
				cmd.Env = append(os.Environ(), "INCUS_SOCKET="+socket)
				if out, err := cmd.CombinedOutput(); err != nil {
					mu.Lock()
					failure = fmt.Errorf("incus %v: %w\n%s", args(n), err, out)
					mu.Unlock()
				}
			}(n)
		}
		wg.Wait()
		if failure != nil {
			for _, n := range names {
				_ = exec.Command("incus", "delete", "-f", n).Run() // leave the host clean
			}
			b.Fatal(failure)
		}
		return time.Since(t0)
	}
	launch = run(func(n string) []string { return []string{"launch", image, n, "-q"} })
	del = run(func(n string) []string { return []string{"delete", "-f", n} })
	return launch, del
}

func terraform(b *testing.B, dir string, env []string, args ...string) {
	b.Helper()
	cmd := exec.Command("terraform", append([]string{"-chdir=" + dir}, append(args, "-no-color", "-input=false")...)...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func buildProvider(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-rack"), "../..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

func devOverrides(b *testing.B, dir, providerDir string) string {
	b.Helper()
	path := filepath.Join(dir, "dev.tfrc")
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"rackform/rack\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// writeConfig writes 20 containers. stop_timeout = 0 stops by force on
// destroy, like `incus delete -f`, so both sides do the same work.
func writeConfig(b *testing.B, dir, socket, image string) {
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

resource "rack_incus_instance" "c" {
  count        = %d
  name         = "bench-tf-${format("%%02d", count.index)}"
  image        = %q
  stop_timeout = 0
}
`, dir, socket, instances, image)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
}

func shortTempDir(b *testing.B) string {
	b.Helper()
	dir, err := os.MkdirTemp("", "rack-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
