package bench

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// BenchmarkIncusImage measures rack_incus_image next to the incus CLI
// doing the same, on the mock (provider only: the CLI waits on the events
// websocket, which the mock does not serve) and on the real daemon:
//   - publish of a stopped busybox container (`terraform apply` vs `incus publish`);
//   - upload of a 256 MiB unified image file (`terraform apply` vs `incus image import`);
//   - the provider process's peak memory (VmHWM) uploading a 64 MiB and a
//     256 MiB file: the upload streams, so it does not grow with the file.
//
// Every image made is deleted (terraform destroy; `incus image delete`).
func BenchmarkIncusImage(b *testing.B) {
	if _, err := exec.LookPath("terraform"); err != nil {
		b.Skip("terraform is not on PATH")
	}
	provider := buildProvider(b)
	files := imageBenchFiles(b)

	b.Run("mock", func(b *testing.B) {
		dir := shortTempDir(b)
		m, err := mockhost.StartIncus(filepath.Join(dir, "incus.sock"), "rack-busybox")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = m.Close() })
		runImageBench(b, provider, m.Socket(), "rack-busybox", files, false)
	})
	b.Run("real", func(b *testing.B) {
		socket, image := realHostSocket(b)
		runImageBench(b, provider, socket, image, files, true)
	})
}

type benchFiles struct {
	mib64, mib256   string
	fp64, fp256     string
	size64, size256 int64
}

// imageBenchFiles writes the 64 MiB and 256 MiB image files once (random
// data, so nothing compresses them away).
func imageBenchFiles(b *testing.B) benchFiles {
	b.Helper()
	dir := shortTempDir(b)
	var out benchFiles
	for _, f := range []struct {
		mib      int64
		path, fp *string
		size     *int64
	}{{64, &out.mib64, &out.fp64, &out.size64}, {256, &out.mib256, &out.fp256, &out.size256}} {
		files, err := acctest.WriteImage(dir, fmt.Sprintf("bench-%dmib-%d", f.mib, time.Now().UnixNano()), f.mib<<20)
		if err != nil {
			b.Fatal(err)
		}
		*f.path = files.Unified
		*f.fp = fileSum(b, files.Unified)
		st, _ := os.Stat(files.Unified)
		*f.size = st.Size()
	}
	return out
}

func fileSum(b *testing.B, path string) string {
	f, err := os.Open(path) //nolint:gosec // the bench's own file
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func runImageBench(b *testing.B, provider, socket, image string, files benchFiles, compareCLI bool) {
	client, err := incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true})
	if err != nil {
		b.Fatal(err)
	}
	// The instance to publish: a stopped busybox container.
	inst := fmt.Sprintf("bench-pub-%d", time.Now().UnixNano()%1_000_000)
	op, err := client.CreateInstance(api.InstancesPost{Name: inst, Source: api.InstanceSource{Type: "image", Alias: image}})
	if err == nil {
		_, _, err = client.GetOperationWait(op.Get().ID, 120)
	}
	if err != nil {
		b.Fatalf("creating instance %s: %v", inst, err)
	}
	b.Cleanup(func() {
		if op, err := client.DeleteInstance(inst); err == nil {
			_, _, _ = client.GetOperationWait(op.Get().ID, 120)
		}
	})

	work := b.TempDir()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(b, work, provider), "TF_IN_AUTOMATION=1")
	configure := func(resource string) {
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
%s`, work, socket, resource)
		if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	// applyDestroy applies the configuration and destroys it; it returns the
	// apply's wall time and the provider's peak memory over the apply.
	// baseline, when set, also times a second apply with nothing to change:
	// terraform's own fixed cost for the configuration (starting, planning,
	// one refresh request), which every apply pays whatever the provider does.
	applyDestroy := func(resource string, baseline *time.Duration) (time.Duration, int64) {
		configure(resource)
		t0 := time.Now()
		hwm := terraformMeasured(b, work, env, "apply", "-auto-approve")
		took := time.Since(t0)
		if baseline != nil {
			t0 = time.Now()
			terraform(b, work, env, "apply", "-auto-approve")
			*baseline += time.Since(t0)
		}
		terraform(b, work, env, "destroy", "-auto-approve")
		return took, hwm
	}

	var sum struct{ publish, cliPublish, upload, cliUpload, baseline time.Duration }
	var hwm64, hwm256 int64
	for i := 0; i < b.N; i++ {
		alias := fmt.Sprintf("bench-tf-pub-%d", i)
		took, _ := applyDestroy(fmt.Sprintf(`
resource "rack_incus_image" "p" {
  source_instance = { name = %q }
  aliases         = [%q]
}
`, inst, alias), &sum.baseline)
		sum.publish += took

		took, hwm := applyDestroy(fmt.Sprintf("resource \"rack_incus_image\" \"u\" {\n  source_file = { data_path = %q }\n}\n", files.mib256), nil)
		sum.upload += took
		hwm256 = max(hwm256, hwm)
		_, hwm = applyDestroy(fmt.Sprintf("resource \"rack_incus_image\" \"u\" {\n  source_file = { data_path = %q }\n}\n", files.mib64), nil)
		hwm64 = max(hwm64, hwm)
		b.Logf("round %d: provider publish %.2fs, upload of 256 MiB %.2fs; provider peak RSS 64 MiB file %d MiB, 256 MiB file %d MiB",
			i+1, sum.publish.Seconds()/float64(i+1), took.Seconds(), hwm64>>10, hwm256>>10)

		if compareCLI {
			cliPub, cliUp := incusImageCLI(b, socket, inst, files, i)
			sum.cliPublish += cliPub
			sum.cliUpload += cliUp
			b.Logf("round %d: incus publish %.2fs, incus image import (256 MiB) %.2fs", i+1, cliPub.Seconds(), cliUp.Seconds())
		}
	}
	rounds := float64(b.N)
	b.ReportMetric(sum.publish.Seconds()/rounds, "publish-s")
	b.ReportMetric(sum.upload.Seconds()/rounds, "upload256-s")
	b.ReportMetric(float64(hwm64)/1024, "peak-MiB-64")
	b.ReportMetric(float64(hwm256)/1024, "peak-MiB-256")
	if compareCLI {
		b.ReportMetric(sum.cliPublish.Seconds()/rounds, "cli-publish-s")
		b.ReportMetric(sum.cliUpload.Seconds()/rounds, "cli-upload256-s")
		b.ReportMetric(sum.publish.Seconds()/sum.cliPublish.Seconds(), "publish/cli")
		b.ReportMetric(sum.upload.Seconds()/sum.cliUpload.Seconds(), "upload/cli")
		// Net of terraform's fixed cost: what the provider's own work takes
		// next to the CLI's.
		b.ReportMetric((sum.publish-sum.baseline).Seconds()/sum.cliPublish.Seconds(), "publish-net/cli")
		b.ReportMetric((sum.upload-sum.baseline).Seconds()/sum.cliUpload.Seconds(), "upload-net/cli")
	}
	b.ReportMetric(sum.baseline.Seconds()/rounds, "tf-noop-apply-s")
}

// incusImageCLI times `incus publish` and `incus image import` of the
// 256 MiB file, deleting what they made.
func incusImageCLI(b *testing.B, socket, inst string, files benchFiles, round int) (publish, upload time.Duration) {
	if _, err := exec.LookPath("incus"); err != nil {
		b.Skip("the incus CLI is not installed")
	}
	env := append(os.Environ(), "INCUS_SOCKET="+socket)
	run := func(args ...string) string {
		cmd := exec.Command("incus", args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("incus %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	alias := fmt.Sprintf("bench-cli-pub-%d", round)
	t0 := time.Now()
	run("publish", inst, "--alias", alias)
	publish = time.Since(t0)
	run("image", "delete", alias)

	t0 = time.Now()
	run("image", "import", files.mib256)
	upload = time.Since(t0)
	run("image", "delete", files.fp256)
	return publish, upload
}

// terraformMeasured runs terraform like terraform() and returns the peak
// resident memory (VmHWM, KiB) of the provider: terraform starts the
// provider binary as its own child process (several times over one
// command), so the bench polls /proc for children of the terraform process
// named terraform-provider-rack and reads their VmHWM, a high-water mark
// the kernel keeps, so sampling every 10 ms cannot miss the peak of a
// process it saw before it exited. (terraform-plugin-testing runs the
// provider inside the test process instead, where its memory could not be
// told apart: that is why the bench drives terraform with a built binary.)
func terraformMeasured(b *testing.B, dir string, env []string, args ...string) int64 {
	b.Helper()
	cmd := exec.Command("terraform", append([]string{"-chdir=" + dir}, append(args, "-no-color", "-input=false")...)...)
	cmd.Env = env
	out, err := os.CreateTemp(dir, "tf-out-")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = out.Close() }()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range providerChildren(cmd.Process.Pid) {
			peak = max(peak, vmHWM(pid))
		}
		select {
		case err := <-done:
			if err != nil {
				text, _ := os.ReadFile(out.Name())
				b.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, text)
			}
			return peak
		case <-tick.C:
		}
	}
}

// providerChildren lists the provider processes whose parent is ppid.
func providerChildren(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm is cut to 15 bytes.
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open || !strings.HasPrefix("terraform-provider-rack", s[open+1:closing]) {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			out = append(out, pid)
		}
	}
	return out
}

// vmHWM is a process's peak resident set size in KiB (0 when gone).
func vmHWM(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
