package instance_test

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// The fault matrix: every mutating call of every Incus resource type, cut
// at every moment an interrupt (Terraform's first Ctrl-C) or a daemon
// restart can land. Each case then asserts that nothing is orphaned:
//   - after a refresh, state and host hold the same objects (no orphan on
//     the host that state does not know, no ghost in state);
//   - the next apply converges with no error (and, as terraform-plugin-testing
//     checks after every apply, an empty plan).
// The diagnostic of the cut step is asserted too: an interrupt before a step
// says the step was not started; a lost connection says so.

// faultMoment is when the fault lands, relative to the request that carries
// the mutation (the "mutation request").
type faultMoment struct {
	name string
	// arm injects the fault; mutation is the mutation request's method and
	// path; readBack is the path of the object as the change leaves it.
	arm func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault, readBack string)
	// outcome is the error expected from the cut apply (nil: none, a
	// warning at most), given the mutation.
	outcome func(m faultMutation) *regexp.Regexp
}

// faultMutation is one mutating call of a resource type.
type faultMutation struct {
	name     string
	stage    string // configuration applied first ("" for none)
	change   string // configuration whose apply makes the call
	destroy  bool   // the call is made by destroying stage
	final    string // configuration the next apply converges to
	request  mockhost.Fault
	readBack string // path of the object after the change
	// first is the first mutating step of the apply; next the step after
	// the cut one ("" when the cut one is the last).
	first, next string
	// created: the call creates the object (a lost answer is then resolved
	// by reading the object back).
	created bool
	// createdStopped: the create request does not start the instance (a
	// copy, a backup restore): a create cut half way is a finished one.
	createdStopped bool
}

func interruptedBefore(step string) *regexp.Regexp {
	return acctest.DiagRE(`Terraform was interrupted before ` + regexp.QuoteMeta(step) + `.*not started`)
}

// whenNext is the error of a cut apply whose later steps were not started.
func whenNext(m faultMutation) *regexp.Regexp {
	if m.next == "" {
		return nil
	}
	return interruptedBefore(m.next)
}

var lostConnection = acctest.DiagRE(`Could not talk to .*incus.sock`)

// armAfterAccept runs then once the mock host has accepted the mutation request.
func armAfterAccept(h *acctest.IncusHost, mutation mockhost.Fault, then func()) {
	mutation.Times, mutation.HookAfter, mutation.Hook = 1, true, then
	h.Mock.InjectFault(mutation)
}

func onOperationWait(h *acctest.IncusHost, after bool, hook func()) {
	h.Mock.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/1.0/operations/", Times: 1, HookAfter: after, Hook: hook})
}

var faultMoments = []faultMoment{
	{
		name: "beforeRequest",
		arm: func(_ *acctest.IncusHost, stop *acctest.Interrupter, _ mockhost.Fault, _ string) {
			stop.InterruptAtApply()
		},
		outcome: func(m faultMutation) *regexp.Regexp { return interruptedBefore(m.first) },
	},
	{
		name: "afterAccepted",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, stop.Interrupt)
		},
		outcome: whenNext,
	},
	{
		name: "duringWait",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() { onOperationWait(h, false, stop.Interrupt) })
		},
		outcome: whenNext,
	},
	{
		name: "afterWait",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() { onOperationWait(h, true, stop.Interrupt) })
		},
		outcome: whenNext,
	},
	{
		name: "duringReadBack",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault, readBack string) {
			armAfterAccept(h, mutation, func() {
				h.Mock.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: readBack, Times: 1, Hook: stop.Interrupt})
			})
		},
		outcome: func(m faultMutation) *regexp.Regexp {
			if m.createdStopped {
				return interruptedBefore(m.next) // the start after the create
			}
			return nil
		},
	},
	{
		// The daemon dies as it sends the answer: the request's fate is
		// unknown; the work was done.
		name: "restartBeforeAnswer",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() { h.Mock.Restart(time.Second, mockhost.OpsFinish) })
		},
		outcome: restartOutcome,
	},
	{
		name: "restartDuringWaitFinished",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() {
				onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsFinish) })
			})
		},
		outcome: restartOutcome,
	},
	{
		name: "restartDuringWaitAbandoned",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() {
				onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsAbandon) })
			})
		},
		outcome: func(faultMutation) *regexp.Regexp { return lostConnection },
	},
	{
		// A create-and-start cut half way: the instance exists, stopped.
		name: "restartDuringWaitHalfDone",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, mutation mockhost.Fault, _ string) {
			armAfterAccept(h, mutation, func() {
				onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsPartial) })
			})
		},
		outcome: func(m faultMutation) *regexp.Regexp {
			if m.created {
				return acctest.DiagRE(`exists, but its create did not finish as asked.*tainted.*Could not talk to`)
			}
			return lostConnection
		},
	},
}

// restartOutcome: a create found finished is recorded with a warning; any
// other change whose answer was lost is an error (its result is in state).
func restartOutcome(m faultMutation) *regexp.Regexp {
	if m.created {
		return nil
	}
	return lostConnection
}

func instanceMutations(name, renamed string) []faultMutation {
	res := func(n string, extra string) string {
		return fmt.Sprintf("  name = %q\n  image = %q\n  stop_timeout = 0\n%s", n, acctest.DefaultImage, extra)
	}
	path := "/1.0/instances/" + name
	return []faultMutation{
		{name: "create", change: res(name, ""), final: res(name, ""),
			request: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances"}, readBack: path,
			first: "the create request", created: true},
		{name: "rename", stage: res(name, ""), change: res(renamed, ""), final: res(renamed, ""),
			request: mockhost.Fault{Method: "POST", PathPrefix: path}, readBack: "/1.0/instances/" + renamed,
			first: "the stop request", next: "the start request"},
		{name: "update", stage: res(name, ""), change: res(name, "  config = { \"user.k\" = \"v\" }\n"), final: res(name, "  config = { \"user.k\" = \"v\" }\n"),
			request: mockhost.Fault{Method: "PUT", PathPrefix: path}, readBack: path,
			first: "the update request"},
		{name: "stop", stage: res(name, ""), change: res(name, "  running = false\n"), final: res(name, "  running = false\n"),
			request: mockhost.Fault{Method: "PUT", PathPrefix: path + "/state"}, readBack: path,
			first: "the stop request"},
		{name: "start", stage: res(name, "  running = false\n"), change: res(name, ""), final: res(name, ""),
			request: mockhost.Fault{Method: "PUT", PathPrefix: path + "/state"}, readBack: path,
			first: "the start request"},
		{name: "copy", stage: res(name, ""), change: res(name, "") + copyOf(name), final: res(name, "") + copyOf(name),
			request: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances"}, readBack: "/1.0/instances/" + name + "-c",
			first: "the create request", next: "the start request", created: true, createdStopped: true},
		{name: "restore", change: restoreOf(name), final: restoreOf(name),
			request: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances"}, readBack: path,
			first: "the create request", next: "the start request", created: true, createdStopped: true},
		{name: "rebuild", stage: res(name, "  image_change = \"rebuild\"\n"), change: rebuildTo(name), final: rebuildTo(name),
			request: mockhost.Fault{Method: "POST", PathPrefix: path + "/rebuild"}, readBack: path,
			first: "the stop request", next: "the start request"},
		{name: "delete", stage: res(name, ""), destroy: true,
			// cut at the stop that comes before the delete request
			request: mockhost.Fault{Method: "PUT", PathPrefix: path + "/state"}, readBack: path,
			first: "the stop request", next: "the delete request"},
	}
}

// hostMatchesState fails when the host and state do not hold the same instances.
func hostMatchesState(t *testing.T, h *acctest.IncusHost, orphans, ghosts *atomic.Int64) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		inState := []string{}
		for _, r := range s.RootModule().Resources {
			if r.Type == "rack_incus_instance" {
				inState = append(inState, r.Primary.Attributes["name"])
			}
		}
		sort.Strings(inState)
		onHost := h.InstanceNames(t)
		if !reflect.DeepEqual(onHost, inState) {
			orphans.Add(int64(len(acctest.Missing(onHost, inState))))
			ghosts.Add(int64(len(acctest.Missing(inState, onHost))))
			return fmt.Errorf("host has %v, state has %v (orphans %v, ghosts %v)", onHost, inState, acctest.Missing(onHost, inState), acctest.Missing(inState, onHost))
		}
		return nil
	}
}

func TestAccFaultMatrix_incusInstance(t *testing.T) {
	acctest.PreCheck(t)
	var orphans, ghosts, cases atomic.Int64
	t.Cleanup(func() {
		t.Logf("fault matrix: %d cases, %d orphans, %d ghosts after refresh", cases.Load(), orphans.Load(), ghosts.Load())
	})
	for _, probe := range instanceMutations("x", "y") {
		for _, moment := range faultMoments {
			if moment.name == "restartDuringWaitHalfDone" && (!probe.created || probe.createdStopped) {
				continue // only a create that starts has a half-done state of its own
			}
			if moment.name == "duringReadBack" && probe.destroy {
				continue // a delete reads nothing back
			}
			t.Run(probe.name+"/"+moment.name, func(t *testing.T) {
				t.Parallel()
				cases.Add(1)
				h := acctest.StartMockHost(t)
				h.Mock.OperationDelay = 300 * time.Millisecond // something to cut
				h.Mock.AddImage(faultOtherImage, "another image")
				name, renamed := acctest.RandomName("fm"), acctest.RandomName("fmr")
				var m faultMutation
				for _, x := range instanceMutations(name, renamed) {
					if x.name == probe.name {
						m = x
					}
				}
				stop := acctest.NewInterrupter()
				check := hostMatchesState(t, h, &orphans, &ghosts)
				config := func(body string) string { return acctest.InstanceConfig(h, body) }

				var steps []resource.TestStep
				if m.stage != "" {
					steps = append(steps, resource.TestStep{Config: config(m.stage), Check: check})
				}
				cut := resource.TestStep{
					PreConfig:   func() { moment.arm(h, stop, m.request, m.readBack) },
					ExpectError: moment.outcome(m),
				}
				if m.destroy {
					cut.Config, cut.Destroy = config(m.stage), true
				} else {
					cut.Config = config(m.change)
					if cut.ExpectError == nil {
						cut.Check = check
					}
				}
				steps = append(steps, cut,
					// State and host agree once state is refreshed...
					// (the plan after it shows the change still to make).
					resource.TestStep{
						PreConfig:          func() { stop.Reset(); h.WaitReady(t) },
						RefreshState:       true,
						ExpectNonEmptyPlan: true,
						Check:              check,
					},
				)
				// ... and the next apply converges.
				if m.destroy {
					steps = append(steps, resource.TestStep{Config: config(m.stage), Destroy: true})
				} else {
					steps = append(steps, resource.TestStep{Config: config(m.final), Check: check})
				}
				acctest.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: stop.Factories(),
					CheckDestroy: func(*terraform.State) error {
						if left := h.InstanceNames(t); len(left) > 0 {
							return fmt.Errorf("left on the host after destroy: %s", strings.Join(left, ", "))
						}
						return nil
					},
					Steps: steps,
				})
			})
		}
	}
}

// copyOf closes the "test" resource of InstanceConfig and declares a copy of
// it, name-c, left open for InstanceConfig's closing brace.
func copyOf(name string) string {
	return fmt.Sprintf("}\n\nresource \"rack_incus_instance\" \"copy\" {\n  remote = \"test\"\n  name = %q\n  stop_timeout = 0\n  source_instance = { name = rack_incus_instance.test.name }\n", name+"-c")
}

// restoreOf restores the instance from the fault matrix's backup tarball.
func restoreOf(name string) string {
	return fmt.Sprintf("  name = %q\n  source_file = %q\n  stop_timeout = 0\n", name, faultBackup())
}

// rebuildTo rebuilds the instance from the mock host's second image.
func rebuildTo(name string) string {
	return fmt.Sprintf("  name = %q\n  image = %q\n  image_change = \"rebuild\"\n  stop_timeout = 0\n", name, faultOtherImage)
}

// faultOtherImage is an image every fault-matrix mock host gets (see
// TestAccFaultMatrix_incusInstance).
const faultOtherImage = "fm-other"

var (
	faultBackupOnce sync.Once
	faultBackupPath string
)

// faultBackup is a backup tarball in incusd's format, made once per test
// process, for the mock hosts of the fault matrix.
func faultBackup() string {
	faultBackupOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rack-fm-")
		if err != nil {
			panic(err)
		}
		faultBackupPath = filepath.Join(dir, "backup.tar.gz")
		index := "name: fmsrc\nbackend: dir\npool: default\ntype: container\nconfig:\n  container:\n    name: fmsrc\n    type: container\n    architecture: x86_64\n    profiles: [default]\n    config:\n      volatile.base_image: restored\n    devices: {}\n"
		f, err := os.Create(faultBackupPath)
		if err != nil {
			panic(err)
		}
		gz := gzip.NewWriter(f)
		tw := tar.NewWriter(gz)
		_ = tw.WriteHeader(&tar.Header{Name: "backup/index.yaml", Mode: 0o644, Size: int64(len(index))})
		_, _ = tw.Write([]byte(index))
		_ = tw.Close()
		_ = gz.Close()
		_ = f.Close()
	})
	return faultBackupPath
}
