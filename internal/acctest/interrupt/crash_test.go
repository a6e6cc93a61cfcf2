package interrupt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// downtime is how long the daemon stays dead, as in issue 6's report.
const downtime = 3 * time.Second

// lostAsFailure is issue 6's bug: a lost connection reported as the
// failure of the operation that was being waited for.
var lostAsFailure = regexp.MustCompile(`ended Failure[^\n]*(EOF|connection|broken pipe)`)

// crashFigures is what one apply with a daemon crash in it left behind.
type crashFigures struct {
	at        moment
	killed    bool          // the daemon was killed while terraform ran
	exitCode  int           // terraform's
	afterKill time.Duration // from the kill to terraform's exit
	complete  int           // creates that terraform reported complete
	// the resources' diagnostics, counted by summary line and by what
	// they say became of the instance
	summaries, outcomes map[string]int
	statuses            map[string]int // the test's instances on the host
	inState, tainted    int
	orphans, ghosts     []string
	ghostsAfter         []string // ghosts still in state after a refresh
	// storage that incusd keeps under a name it has no instance for (its
	// own leftovers of a create it was killed in; no API object shows them)
	strays    []string
	converged bool
}

func (f crashFigures) String() string {
	s := fmt.Sprintf("kill -9 at %s: ", f.at)
	if f.killed {
		s += fmt.Sprintf("terraform exited %d, %s after the kill", f.exitCode, f.afterKill.Round(100*time.Millisecond))
	} else {
		s += fmt.Sprintf("[apply ended before the kill] terraform exited %d", f.exitCode)
	}
	s += fmt.Sprintf("; %d complete", f.complete)
	if len(f.summaries) > 0 {
		s += "; " + counted(f.summaries, "x ") + " (" + counted(f.outcomes, " ") + ")"
	}
	onHost := 0
	for _, n := range f.statuses {
		onHost += n
	}
	s += fmt.Sprintf("; host: %d (%s); state: %d (%d tainted); orphans %d, ghosts %d", onHost, counted(f.statuses, " "), f.inState, f.tainted, len(f.orphans), len(f.ghosts))
	if len(f.ghosts) > 0 {
		s += fmt.Sprintf(" (%d after refresh)", len(f.ghostsAfter))
	}
	s += fmt.Sprintf(", storage without instance %d", len(f.strays))
	if f.converged {
		return s + ", next apply converged"
	}
	return s + ", next apply FAILED to converge"
}

// counted renders counts as "3 a, 1 b".
func counted(m map[string]int, sep string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%d%s%s", m[k], sep, k))
	}
	return strings.Join(out, ", ")
}

// TestAccDaemonCrash kills incusd with SIGKILL while terraform creates 10
// containers on it and starts it again 3 s later on the same directory, at
// several moments. Terraform must end on its own (the provider keeps asking
// until the daemon answers, within the create timeout), without reporting
// the lost connection as a failed operation; every instance the daemon has
// must be in state (no orphans), every one in state must be on the daemon
// once refreshed (no ghosts), and the next apply must converge: the 10
// configured containers running, host and state agreeing, nothing left to
// plan. The daemon killed is a private one started for the test
// (acctest.StartPrivateIncus); the shared one is only read, for its image.
func TestAccDaemonCrash(t *testing.T) {
	acctest.PreCheck(t)
	shared := acctest.RealHost(t)
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH: this test drives the terraform binary")
	}
	began := time.Now()
	d := acctest.StartPrivateIncus(t, shared)
	t.Logf("private incusd in %s ready in %s (start, pool, profile, image)", d.Dir(), time.Since(began).Round(time.Millisecond))
	providerDir, raceLogs := buildProvider(t)
	t.Cleanup(func() { checkRaceLogs(t, raceLogs) })

	// Inside the window where the 10 creates are on the daemon (about a
	// second for busybox containers): requests in flight, operations
	// running, some done.
	moments := []moment{{"Creating...", 200 * time.Millisecond}, {"Creating...", 600 * time.Millisecond}, {"Creating...", 1 * time.Second}}
	tf := newWorkspace(t, d.IncusHost, providerDir, raceLogs, acctest.RandomName("crash"))
	// A failure to notice the daemon is back must not hang CI for the
	// default 10 minutes. The private daemon's cleanup deletes whatever
	// the test leaves.
	tf.extra = `timeouts = { create = "2m" }`

	var all []crashFigures
	for i, at := range moments {
		tf.writeConfig(0)
		f := tf.crashAndCheck(d, at)
		all = append(all, f)
		t.Log(f)
		if i < len(moments)-1 {
			tf.destroyAll()
		}
	}
	if !slices.ContainsFunc(all, func(f crashFigures) bool { return f.killed }) {
		t.Error("no apply was still running when the daemon was killed: the moments are too late for this host")
	}

	var summary strings.Builder
	fmt.Fprintf(&summary, "daemon crash figures on a private real incusd (%d containers, down %s):", count, downtime)
	for _, f := range all {
		summary.WriteString("\n  " + f.String())
	}
	t.Log(summary.String())
}

// crashAndCheck kills the daemon during an apply of generation 0 at the
// moment, starts it again after downtime, measures what the apply left, and
// makes the next apply converge.
func (w *workspace) crashAndCheck(d *acctest.PrivateIncus, at moment) crashFigures {
	t := w.t
	f := crashFigures{at: at}
	var (
		killed     time.Time
		restartErr error
	)
	run := w.applyWith(at, func(int) {
		killed = time.Now()
		d.Kill()
		time.Sleep(downtime)
		restartErr = d.Start()
	})
	if restartErr != nil {
		t.Fatalf("restarting the private incusd after the kill at %s: %v", at, restartErr)
	}
	f.killed, f.exitCode = run.acted, run.exitCode
	f.summaries, f.outcomes = map[string]int{}, map[string]int{}
	failed := 0
	var examples []string // one diagnostic per outcome, for the log
	for _, d := range diagnostics(run.output) {
		// terraform shows one of the warnings with the same summary
		n := 1 + similar(d)
		f.summaries[strings.SplitN(d, "\n", 2)[0]] += n
		o := outcome(d)
		if f.outcomes[o] == 0 {
			examples = append(examples, d)
		}
		f.outcomes[o] += n
		if strings.HasPrefix(d, "Error: ") {
			failed += n
		}
		if o == "other" {
			t.Errorf("kill -9 at %s: a diagnostic says none of what a crash may cause:\n%s", at, d)
		}
	}
	// Every create is accounted for once: complete (some with a warning),
	// or failed with an error that says what became of the instance.
	f.complete = len(creationComplete.FindAllString(run.output, -1))
	if f.complete+failed != count {
		t.Errorf("kill -9 at %s: %d creates complete and %d failed, want %d in all", at, f.complete, failed, count)
	}
	if len(examples) > 0 {
		t.Logf("kill -9 at %s: one diagnostic of each kind the apply gave:\n%s", at, strings.Join(examples, "\n\n"))
	}
	if run.acted {
		f.afterKill = run.ended.Sub(killed)
		// Back after downtime and about half a second of start, the daemon
		// is found by the next retry (5 s apart at most), not at the timeout.
		if f.afterKill > downtime+30*time.Second {
			t.Errorf("kill -9 at %s: terraform ended %s after the kill: the provider did not notice the daemon was back", at, f.afterKill.Round(time.Second))
		}
	}
	if m := lostAsFailure.FindString(run.output); m != "" {
		t.Errorf("kill -9 at %s: the lost connection was reported as a failed operation: %q", at, m)
	}
	w.mustSettle()

	f.statuses = w.hostStatuses()
	inState := w.stateInstances()
	var state []string
	for _, r := range inState {
		state = append(state, r.name)
		if r.tainted {
			f.tainted++
		}
	}
	f.inState = len(state)
	host := w.hostNames()
	f.orphans, f.ghosts = minus(host, state), minus(state, host)
	f.strays = minus(w.storageNames(d), host)
	if len(f.orphans) > 0 {
		t.Errorf("kill -9 at %s: %d instances on the host but not in state (orphans): %v\nthe apply said:\n%s", at, len(f.orphans), f.orphans, tail(run.output))
	}
	if len(f.ghosts) > 0 {
		if rout, err := w.run("apply", "-refresh-only", "-auto-approve"); err != nil {
			t.Errorf("kill -9 at %s: refresh after the crash failed: %v\n%s", at, err, tail(rout))
		}
		f.ghostsAfter = minus(w.stateNames(), w.hostNames())
		if len(f.ghostsAfter) > 0 {
			t.Errorf("kill -9 at %s: %d instances in state but not on the host, even after a refresh (ghosts): %v", at, len(f.ghostsAfter), f.ghostsAfter)
		}
	}

	// The next apply converges: the configured containers, all running, and
	// nothing more to do.
	want := w.names(0)
	aout, err := w.run("apply", "-auto-approve")
	switch {
	case err != nil:
		t.Errorf("kill -9 at %s: the next apply failed: %v\n%s", at, err, tail(aout))
	case !slices.Equal(w.hostNames(), want) || !slices.Equal(w.stateNames(), want):
		t.Errorf("kill -9 at %s: after the next apply the host has %v and state has %v, want both %v", at, w.hostNames(), w.stateNames(), want)
	default:
		f.converged = true
		if st := w.hostStatuses(); st["Running"] != count {
			t.Errorf("kill -9 at %s: after the next apply the instances are %v, want all %d Running", at, st, count)
			f.converged = false
		}
		if pout, err := w.run("plan", "-detailed-exitcode"); err != nil {
			t.Errorf("kill -9 at %s: the plan after the next apply is not empty (%v):\n%s", at, err, tail(pout))
			f.converged = false
		}
	}
	if !f.converged {
		w.recover()
	}
	return f
}

// storageNames lists the test's container directories in the daemon's
// dir pool.
func (w *workspace) storageNames(d *acctest.PrivateIncus) []string {
	entries, err := os.ReadDir(filepath.Join(d.Dir(), "storage-pools", "default", "containers"))
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), w.base+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// hostStatuses counts the test's instances on the host by status.
func (w *workspace) hostStatuses() map[string]int {
	insts, err := w.h.Client.GetInstances(api.InstanceTypeAny)
	if err != nil {
		w.t.Fatalf("listing instances: %v", err)
	}
	out := map[string]int{}
	for _, i := range insts {
		if strings.HasPrefix(i.Name, w.base+"-") {
			out[i.Status]++
		}
	}
	return out
}

type stateInstance struct {
	name    string
	tainted bool
}

// stateInstances lists the instances in Terraform's state.
func (w *workspace) stateInstances() []stateInstance {
	cmd := w.command("show", "-json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("terraform show -json: %v\n%s", err, stderr.String())
	}
	var show struct {
		Values *struct {
			RootModule struct {
				Resources []struct {
					Type    string         `json:"type"`
					Tainted bool           `json:"tainted"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(out, &show); err != nil {
		w.t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	var res []stateInstance
	if show.Values != nil {
		for _, r := range show.Values.RootModule.Resources {
			if r.Type == "rack_incus_instance" {
				name, _ := r.Values["name"].(string)
				res = append(res, stateInstance{name: name, tainted: r.Tainted})
			}
		}
	}
	return res
}

// diagSummary is a resource's diagnostic as terraform -no-color prints it:
// the summary line, a blank line, then which resource.
var diagSummary = regexp.MustCompile(`(?m)^((?:Error|Warning): .*)\n\n  with `)

// diagnostics splits terraform's output into its resources' diagnostics,
// each with its detail.
func diagnostics(output string) []string {
	locs := diagSummary.FindAllStringIndex(output, -1)
	var out []string
	for i, l := range locs {
		end := len(output)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, strings.TrimSpace(output[l[0]:end]))
	}
	return out
}

// outcome says what a diagnostic of an apply cut by a crash reports, by
// the provider's wording (terraform wraps it: spaces are normalised).
func outcome(diag string) string {
	d := strings.Join(strings.Fields(diag), " ")
	switch {
	case strings.HasPrefix(d, "Warning: Incus Connection Lost During Create") && strings.Contains(d, "was found created and Running"):
		return "found created and running"
	case !strings.HasPrefix(d, "Error: Unable to Create Incus Instance"):
	case strings.Contains(d, "its create did not finish as asked or within the timeout: it is saved in state as tainted") &&
		strings.Contains(d, "incusd answered again afterwards: instance"):
		return "created and tainted"
	case strings.Contains(d, "incusd answered again afterwards and has no instance") && strings.Contains(d, "it was not created"):
		return "not created"
	case strings.Contains(d, "Check that the server is running"):
		// The create request found the daemon down: nothing was sent.
		return "not sent"
	}
	return "other"
}

var (
	creationComplete = regexp.MustCompile(`(?m)^rack_incus_instance\.c\[\d+\]: Creation complete`)
	// after the one warning terraform shows of those with the same summary
	moreSimilar = regexp.MustCompile(`\(and (one|\d+) more similar warnings? elsewhere\)`)
)

// similar is how many more warnings like it terraform left out of diag.
func similar(diag string) int {
	m := moreSimilar.FindStringSubmatch(diag)
	switch {
	case m == nil:
		return 0
	case m[1] == "one":
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
