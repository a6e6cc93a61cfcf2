package interrupt

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// count is the number of containers per apply; at Terraform's default
// parallelism (10) every create or rename is in flight at once.
const count = 10

// moment is when the SIGINT goes: delay after terraform prints the first
// line containing trigger ("Creating..." / "Modifying...").
type moment struct {
	trigger string
	delay   time.Duration
}

func (m moment) String() string { return fmt.Sprintf("+%s after first %q", m.delay, m.trigger) }

// figures is what one interrupted apply left behind.
type figures struct {
	phase       string // "create" or "rename"
	at          moment
	interrupted bool // terraform acknowledged the SIGINT before it finished
	orphans     []string
	ghosts      []string
	ghostsAfter []string // ghosts still in state after a refresh
	converged   bool     // the next apply succeeded and host and state agree
}

func (f figures) String() string {
	s := fmt.Sprintf("%s %s: orphans %d, ghosts %d", f.phase, f.at, len(f.orphans), len(f.ghosts))
	if len(f.ghosts) > 0 {
		s += fmt.Sprintf(" (%d after refresh)", len(f.ghostsAfter))
	}
	if !f.interrupted {
		s += " [apply ended before the interrupt]"
	}
	if f.converged {
		return s + ", next apply converged"
	}
	return s + ", next apply FAILED to converge"
}

// TestAccInterrupt presses Ctrl-C once (SIGINT to terraform's process group,
// as a terminal does) during an apply that creates 10 containers and during
// one that renames them, at several moments. After each, every instance on
// the host must be in state (no orphans), every instance in state must be on
// the host once refreshed (no ghosts), and the next apply must succeed with
// host and state agreeing on exactly the 10 configured names.
func TestAccInterrupt(t *testing.T) {
	acctest.PreCheck(t)
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH: this test drives the terraform binary")
	}
	providerDir, raceLogs := buildProvider(t)
	t.Cleanup(func() { checkRaceLogs(t, raceLogs) }) // after the host subtests

	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		// Moments inside the window where the creates and renames are on
		// the server: the mock takes OperationDelay per operation; the real
		// daemon about a second for 10 busybox containers.
		create := []moment{{"Creating...", 0}, {"Creating...", 500 * time.Millisecond}, {"Creating...", 1200 * time.Millisecond}}
		rename := []moment{{"Modifying...", 0}, {"Modifying...", 400 * time.Millisecond}, {"Modifying...", 1 * time.Second}}
		if h.IsMock() {
			h.Mock.OperationDelay = 300 * time.Millisecond
			create = []moment{{"Creating...", 0}, {"Creating...", 100 * time.Millisecond}, {"Creating...", 250 * time.Millisecond}}
			rename = []moment{{"Modifying...", 0}, {"Modifying...", 350 * time.Millisecond}, {"Modifying...", 700 * time.Millisecond}}
		}

		base := acctest.RandomName("intr")
		tf := newWorkspace(t, h, providerDir, raceLogs, base)
		t.Cleanup(func() {
			// Let accepted operations finish first, or an instance still
			// being created escapes the listing below.
			if err := tf.settle(); err != nil {
				t.Log(err)
			}
			if out, err := tf.run("destroy", "-auto-approve"); err != nil {
				t.Logf("cleanup: terraform destroy: %v\n%s", err, tail(out))
			}
			for _, n := range tf.hostNames() {
				h.ForgetInstance(n)
			}
		})

		var all []figures
		for i, at := range create {
			tf.writeConfig(0)
			f := tf.interruptAndCheck("create", at, 0)
			all = append(all, f)
			t.Log(f)
			if i < len(create)-1 {
				tf.destroyAll()
			}
		}
		// The last create left 10 converged instances (generation 0): rename them.
		for g, at := range rename {
			tf.writeConfig(g + 1)
			f := tf.interruptAndCheck("rename", at, g+1)
			all = append(all, f)
			t.Log(f)
		}

		// A moment the apply outran measures nothing; every one of a phase
		// doing so means the moments no longer fit this host.
		for _, phase := range []string{"create", "rename"} {
			if !slices.ContainsFunc(all, func(f figures) bool { return f.phase == phase && f.interrupted }) {
				t.Errorf("no %s apply was interrupted before it finished: the moments are too late for this host", phase)
			}
		}

		var summary strings.Builder
		fmt.Fprintf(&summary, "interrupt figures on the %s host (%d containers):", h.Name, count)
		for _, f := range all {
			summary.WriteString("\n  " + f.String())
		}
		t.Log(summary.String())
	})
}

// workspace is one terraform working directory against one host.
type workspace struct {
	t    *testing.T
	h    *acctest.IncusHost
	dir  string
	env  []string
	base string // every instance of the test is named base-g<generation>-<index>
	// extra goes into the resource block (a timeouts block, say).
	extra string
}

func newWorkspace(t *testing.T, h *acctest.IncusHost, providerDir, raceLogs, base string) *workspace {
	dir := t.TempDir()
	tfrc := filepath.Join(dir, "dev.tfrc")
	// dev_overrides: terraform runs the built provider without init or registry.
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"rackform/rack\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(tfrc, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+tfrc,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1", // no version check over the network
	)
	if raceLogs != "" {
		env = append(env, "GORACE=log_path="+raceLogs) // terraform passes it on to the provider
	}
	return &workspace{t: t, h: h, dir: dir, env: env, base: base}
}

func (w *workspace) names(gen int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = fmt.Sprintf("%s-g%d-%d", w.base, gen, i)
	}
	return out
}

// writeConfig writes 10 containers named for a generation; a new generation
// renames them in place. stop_timeout = 0 stops by force before a rename.
func (w *workspace) writeConfig(gen int) {
	cfg := `
terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}
` + w.h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "c" {
  count        = %d
  remote       = "test"
  name         = "%s-g%d-${count.index}"
  image        = %q
  stop_timeout = 0
  %s
}
`, count, w.base, gen, w.h.Image, w.extra)
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) command(args ...string) *exec.Cmd {
	cmd := exec.Command("terraform", append([]string{"-chdir=" + w.dir}, append(args, "-no-color")...)...)
	cmd.Env = w.env
	return cmd
}

func (w *workspace) run(args ...string) (string, error) {
	out, err := w.command(args...).CombinedOutput()
	return string(out), err
}

// applyInterrupted runs terraform apply and sends one SIGINT to its process
// group at the moment. It reports whether terraform acknowledged it.
func (w *workspace) applyInterrupted(at moment) (output string, interrupted bool) {
	run := w.applyWith(at, func(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGINT) })
	return run.output, strings.Contains(run.output, "Interrupt received")
}

// applyWith runs terraform apply and calls act (with terraform's process
// group) at the moment, unless terraform has exited by then. It returns
// once both are over.
func (w *workspace) applyWith(at moment, act func(pgid int)) applyRun {
	t := w.t
	cmd := w.command("apply", "-auto-approve")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a shell job
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()

	var (
		mu     sync.Mutex
		out    bytes.Buffer
		timer  *time.Timer
		exited bool
		acted  bool
		actWG  sync.WaitGroup
	)
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			out.WriteString(line + "\n")
			if timer == nil && strings.Contains(line, at.trigger) {
				actWG.Add(1)
				timer = time.AfterFunc(at.delay, func() {
					defer actWG.Done()
					mu.Lock()
					if exited {
						mu.Unlock()
						return
					}
					acted = true
					mu.Unlock()
					act(cmd.Process.Pid)
				})
			}
			mu.Unlock()
		}
	}()

	// Its exit status says nothing here: an interrupted apply exits 1.
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("terraform apply did not exit within 3 minutes of %s", at)
	}
	ended := time.Now()
	mu.Lock()
	exited = true
	if timer != nil && timer.Stop() {
		actWG.Done() // it will not run
	}
	mu.Unlock()
	actWG.Wait()
	<-read
	_ = r.Close()
	return applyRun{output: out.String(), acted: acted, ended: ended, exitCode: cmd.ProcessState.ExitCode()}
}

// applyRun is how one terraform apply went.
type applyRun struct {
	output   string
	acted    bool      // the action ran while terraform was running
	ended    time.Time // when terraform exited
	exitCode int
}

// interruptAndCheck interrupts an apply towards generation gen at the
// moment, measures what it left, and makes the next apply converge.
func (w *workspace) interruptAndCheck(phase string, at moment, gen int) figures {
	t := w.t
	f := figures{phase: phase, at: at}
	out, interrupted := w.applyInterrupted(at)
	f.interrupted = interrupted
	w.mustSettle()

	host, state := w.hostNames(), w.stateNames()
	f.orphans, f.ghosts = minus(host, state), minus(state, host)
	if len(f.orphans) > 0 {
		t.Errorf("%s %s: %d instances on the host but not in state (orphans): %v\nthe interrupted apply said:\n%s",
			phase, at, len(f.orphans), f.orphans, tail(out))
	}
	if len(f.ghosts) > 0 {
		// Acceptable only if a refresh removes them (with a warning).
		if rout, err := w.run("apply", "-refresh-only", "-auto-approve"); err != nil {
			t.Errorf("%s %s: refresh after the interrupt failed: %v\n%s", phase, at, err, tail(rout))
		}
		f.ghostsAfter = minus(w.stateNames(), w.hostNames())
		if len(f.ghostsAfter) > 0 {
			t.Errorf("%s %s: %d instances in state but not on the host, even after a refresh (ghosts): %v", phase, at, len(f.ghostsAfter), f.ghostsAfter)
		}
	}

	// The next apply must converge with no error.
	want := w.names(gen)
	aout, err := w.run("apply", "-auto-approve")
	if err != nil {
		t.Errorf("%s %s: the next apply failed: %v\n%s", phase, at, err, tail(aout))
		w.recover()
	} else if host, state := w.hostNames(), w.stateNames(); !slices.Equal(host, want) || !slices.Equal(state, want) {
		t.Errorf("%s %s: after the next apply the host has %v and state has %v, want both %v", phase, at, host, state, want)
		w.recover()
	} else {
		f.converged = true
	}
	return f
}

// recover clears what a failed convergence left (orphans deleted by hand,
// as a user would) so that the following moments still measure something.
func (w *workspace) recover() {
	w.mustSettle()
	for _, n := range minus(w.hostNames(), w.stateNames()) {
		w.h.ForgetInstance(n)
	}
	if out, err := w.run("apply", "-auto-approve"); err != nil {
		w.t.Fatalf("cannot recover after a failed convergence: %v\n%s", err, tail(out))
	}
}

func (w *workspace) destroyAll() {
	if out, err := w.run("destroy", "-auto-approve"); err != nil {
		w.t.Errorf("terraform destroy: %v\n%s", err, tail(out))
		for _, n := range w.hostNames() {
			w.h.ForgetInstance(n)
		}
	}
}

// settle waits until no operation on the test's instances is still running
// on the host: after an interrupt the server may still be carrying out what
// it accepted, and the figures must count the outcome, not a moment of it.
func (w *workspace) settle() error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ops, err := w.h.Client.GetOperations()
		if err != nil {
			return fmt.Errorf("listing operations: %w", err)
		}
		busy := false
		for _, op := range ops {
			if op.StatusCode.IsFinal() {
				continue
			}
			for _, res := range op.Resources["instances"] {
				if strings.HasPrefix(filepath.Base(res), w.base+"-") {
					busy = true
				}
			}
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("operations on %s-* still running after 60s", w.base)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (w *workspace) mustSettle() {
	if err := w.settle(); err != nil {
		w.t.Fatal(err)
	}
}

// hostNames lists the test's instances on the host, sorted.
func (w *workspace) hostNames() []string {
	all, err := w.h.Client.GetInstanceNames(api.InstanceTypeAny)
	if err != nil {
		w.t.Fatalf("listing instances: %v", err)
	}
	var mine []string
	for _, n := range all {
		if strings.HasPrefix(n, w.base+"-") {
			mine = append(mine, n)
		}
	}
	slices.Sort(mine)
	return mine
}

// stateNames lists the instance names in Terraform's state, sorted.
func (w *workspace) stateNames() []string {
	var names []string
	for _, inst := range w.stateInstances() {
		names = append(names, inst.name)
	}
	slices.Sort(names)
	return names
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = append([]string{"..."}, lines[len(lines)-40:]...)
	}
	return strings.Join(lines, "\n")
}

// buildProvider builds the provider once into a temporary directory. With
// RACK_ACC_PROVIDER_RACE=1 it is built with -race and its reports go to
// raceLogs; that makes every terraform command about 7 times slower, so
// make test leaves it off (its in-process tests run under -race already).
func buildProvider(t *testing.T) (dir, raceLogs string) {
	t.Helper()
	dir = t.TempDir()
	args := []string{"build", "-o", filepath.Join(dir, "terraform-provider-rack")}
	if os.Getenv("RACK_ACC_PROVIDER_RACE") != "" {
		args = append(args, "-race")
		raceLogs = filepath.Join(t.TempDir(), "race")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append(args, root)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir, raceLogs
}

// checkRaceLogs fails on any data race the provider processes reported.
func checkRaceLogs(t *testing.T, prefix string) {
	if prefix == "" {
		return
	}
	files, _ := filepath.Glob(prefix + ".*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Errorf("the provider reported a data race (%s):\n%s", filepath.Base(f), b)
	}
}
