package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// bootDelay is how long the fake host takes to light its power LED.
const bootDelay = 3 * time.Second

// BenchmarkPiKVMPowerOn times `terraform apply` of a rack_pikvm_power from
// off to on against the fake kvmd, whose host boots in bootDelay, and
// reports the provider's overhead over that delay.
func BenchmarkPiKVMPowerOn(b *testing.B) {
	provider := buildProvider(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		k, err := mockhost.StartKVMD("127.0.0.1:0", mockhost.KVMDOptions{BootDelay: bootDelay})
		if err != nil {
			b.Fatal(err)
		}
		work := b.TempDir()
		writePiKVMConfig(b, work, k.URL(), `
resource "rack_pikvm_power" "m" {
  state = "on"
}
`)
		env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")
		t0 := time.Now()
		terraform(b, work, env, "apply", "-auto-approve")
		took := time.Since(t0)
		if !k.PowerLED() {
			b.Fatal("apply returned before the power LED was on")
		}
		total += took
		b.Logf("round %d: apply %.2fs for a %.1fs boot: overhead %.2fs", i+1, took.Seconds(), bootDelay.Seconds(), (took - bootDelay).Seconds())
		_ = k.Close()
	}
	mean := total / time.Duration(b.N)
	b.ReportMetric(mean.Seconds(), "apply-s")
	b.ReportMetric((mean - bootDelay).Seconds(), "overhead-s")
}

// BenchmarkPiKVMUpload1GiB uploads a 1 GiB image with `terraform apply` and
// reports throughput and the provider process's peak memory (VmHWM).
func BenchmarkPiKVMUpload1GiB(b *testing.B) {
	provider := buildProvider(b)
	const size = 1 << 30
	src := filepath.Join(b.TempDir(), "big.img")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for written := 0; written < size; written += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	_ = f.Close()

	var total time.Duration
	var peak int64
	for i := 0; i < b.N; i++ {
		k, err := mockhost.StartKVMD("127.0.0.1:0", mockhost.KVMDOptions{MSDCapacity: 4 << 30})
		if err != nil {
			b.Fatal(err)
		}
		work := b.TempDir()
		writePiKVMConfig(b, work, k.URL(), fmt.Sprintf(`
resource "rack_pikvm_msd_image" "big" {
  name   = "big.img"
  source = %q
}
`, src))
		env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")
		stop := watchPeakMemory("terraform-provi")
		t0 := time.Now()
		terraform(b, work, env, "apply", "-auto-approve")
		took := time.Since(t0)
		hwm := stop()
		if k.ImageSHA256("big.img") == "" {
			b.Fatal("the image did not arrive complete")
		}
		total += took
		peak = max(peak, hwm)
		b.Logf("round %d: 1 GiB in %.2fs (%.0f MiB/s, the whole apply: plan, upload hashed while streaming); provider peak RSS %.1f MiB",
			i+1, took.Seconds(), 1024/took.Seconds(), float64(hwm)/(1<<20))
		_ = k.Close()
	}
	mean := total / time.Duration(b.N)
	b.ReportMetric(1024/mean.Seconds(), "MiB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

func writePiKVMConfig(b *testing.B, dir, url, resources string) {
	b.Helper()
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}

provider "rack" {
  incus_config_dir = %q
  pikvm {
    name     = "bench"
    url      = %q
    username = "admin"
    password = "admin"
  }
}
%s`, dir, url, resources)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
}

// watchPeakMemory samples /proc for processes whose name starts with comm
// and returns a function that stops and gives the highest VmHWM seen (bytes).
func watchPeakMemory(comm string) func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				if _, err := strconv.Atoi(e.Name()); err != nil {
					continue
				}
				name, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
				if err != nil || !strings.HasPrefix(string(name), comm) {
					continue
				}
				status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
				if err != nil {
					continue
				}
				for _, line := range strings.Split(string(status), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
						mu.Lock()
						peak = max(peak, kb*1024)
						mu.Unlock()
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
