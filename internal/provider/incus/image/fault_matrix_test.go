package image_test

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// The image fault matrix, in the style of the instance one
// (internal/provider/incus/instance/fault_matrix_test.go): every mutating
// call of rack_incus_image cut where an interrupt (Terraform's first
// Ctrl-C) or a daemon restart can land. After each cut, a refresh leaves
// state and host with the same images (no orphan, no ghost), and the next
// apply converges.

type imageMoment struct {
	name string
	arm  func(h *acctest.IncusHost, stop *acctest.Interrupter, mutation mockhost.Fault)
	// outcome is the error expected from the cut apply (nil: none, a
	// warning at most).
	outcome func(m imageMutation) *regexp.Regexp
}

type imageMutation struct {
	name    string
	stage   string // configuration applied first ("" for none)
	change  string // configuration whose apply makes the call
	destroy bool   // the call is made by destroying stage
	request mockhost.Fault
	first   string // the first mutating step of the apply
	created bool   // the call creates the image
}

var lostConnection = acctest.DiagRE(`Could not talk to .*incus.sock`)

func armAfterAccept(h *acctest.IncusHost, mutation mockhost.Fault, then func()) {
	mutation.Times, mutation.HookAfter, mutation.Hook = 1, true, then
	h.Mock.InjectFault(mutation)
}

func onOperationWait(h *acctest.IncusHost, after bool, hook func()) {
	h.Mock.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/1.0/operations/", Times: 1, HookAfter: after, Hook: hook})
}

var imageMoments = []imageMoment{
	{
		name: "beforeRequest",
		arm:  func(_ *acctest.IncusHost, stop *acctest.Interrupter, _ mockhost.Fault) { stop.InterruptAtApply() },
		outcome: func(m imageMutation) *regexp.Regexp {
			return acctest.DiagRE(`Terraform was interrupted before ` + regexp.QuoteMeta(m.first) + `.*not started`)
		},
	},
	{
		// Accepted: the create is finished and recorded (a warning says
		// Terraform was interrupted).
		name: "afterAccepted",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, f mockhost.Fault) {
			armAfterAccept(h, f, stop.Interrupt)
		},
		outcome: func(imageMutation) *regexp.Regexp { return nil },
	},
	{
		name: "duringWait",
		arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, f mockhost.Fault) {
			armAfterAccept(h, f, func() { onOperationWait(h, false, stop.Interrupt) })
		},
		outcome: func(imageMutation) *regexp.Regexp { return nil },
	},
	{
		// The daemon dies as it sends the answer; the work was done.
		name: "restartBeforeAnswer",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, f mockhost.Fault) {
			armAfterAccept(h, f, func() { h.Mock.Restart(time.Second, mockhost.OpsFinish) })
		},
		outcome: restartOutcome,
	},
	{
		name: "restartDuringWaitFinished",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, f mockhost.Fault) {
			armAfterAccept(h, f, func() { onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsFinish) }) })
		},
		outcome: restartOutcome,
	},
	{
		// The connection is lost and the work never happens.
		name: "restartDuringWaitAbandoned",
		arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, f mockhost.Fault) {
			armAfterAccept(h, f, func() { onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsAbandon) }) })
		},
		outcome: func(imageMutation) *regexp.Regexp { return lostConnection },
	},
}

// restartOutcome: a create whose answer was lost finds its image and
// records it; any other change whose answer was lost is an error.
func restartOutcome(m imageMutation) *regexp.Regexp {
	if m.created {
		return nil
	}
	return lostConnection
}

func imageMutations(files acctest.ImageFiles, fp, inst string) []imageMutation {
	upload := func(extra string) string {
		return fmt.Sprintf("resource \"rack_incus_image\" \"test\" {\n  remote = \"test\"\n  source_file = { data_path = %q }\n%s}\n", files.Unified, extra)
	}
	instance := fmt.Sprintf("resource \"rack_incus_instance\" \"src\" {\n  remote = \"test\"\n  name = %q\n  image = %q\n  running = false\n}\n", inst, acctest.DefaultImage)
	publish := instance + "resource \"rack_incus_image\" \"test\" {\n  remote = \"test\"\n  source_instance = { name = rack_incus_instance.src.name }\n  aliases = [\"pub-x\"]\n}\n"
	path := "/1.0/images/" + fp
	return []imageMutation{
		{name: "upload", change: upload(""), request: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/images"}, first: "the upload", created: true},
		{name: "publish", stage: instance, change: publish, request: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/images"}, first: "the publish request", created: true},
		{name: "update", stage: upload(""), change: upload("  description = \"changed\"\n"), request: mockhost.Fault{Method: "PUT", PathPrefix: path}, first: "the update request"},
		{name: "delete", stage: upload(""), destroy: true, request: mockhost.Fault{Method: "DELETE", PathPrefix: path}, first: "the delete request"},
	}
}

// hostMatchesState fails when the host and state do not hold the same images
// (the mock's built-in image aside).
func hostMatchesState(h *acctest.IncusHost, base string, orphans, ghosts *atomic.Int64) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		inState := []string{}
		for _, r := range s.RootModule().Resources {
			if r.Type == "rack_incus_image" {
				inState = append(inState, r.Primary.Attributes["fingerprint"])
			}
		}
		sort.Strings(inState)
		onHost := []string{}
		fps, err := h.Client.GetImageFingerprints()
		if err != nil {
			return err
		}
		for _, fp := range fps {
			if fp != base {
				onHost = append(onHost, fp)
			}
		}
		sort.Strings(onHost)
		if !reflect.DeepEqual(onHost, inState) {
			orphans.Add(int64(len(acctest.Missing(onHost, inState))))
			ghosts.Add(int64(len(acctest.Missing(inState, onHost))))
			return fmt.Errorf("host has %v, state has %v", onHost, inState)
		}
		return nil
	}
}

func TestAccFaultMatrix_incusImage(t *testing.T) {
	acctest.PreCheck(t)
	var orphans, ghosts, cases atomic.Int64
	t.Cleanup(func() {
		t.Logf("image fault matrix: %d cases, %d orphans, %d ghosts after refresh", cases.Load(), orphans.Load(), ghosts.Load())
		if orphans.Load()+ghosts.Load() > 0 {
			t.Error("orphans or ghosts found")
		}
	})
	for _, probe := range imageMutations(acctest.ImageFiles{}, "", "") {
		for _, moment := range imageMoments {
			if probe.name == "update" && (moment.name == "duringWait" || strings.HasPrefix(moment.name, "restartDuringWait")) {
				continue // an image update is a synchronous request: there is no wait to cut
			}
			t.Run(probe.name+"/"+moment.name, func(t *testing.T) {
				t.Parallel()
				cases.Add(1)
				h := acctest.StartMockHost(t)
				h.Mock.OperationDelay = 300 * time.Millisecond // something to cut
				entry, _, err := h.Client.GetImageAlias(acctest.DefaultImage)
				if err != nil {
					t.Fatal(err)
				}
				name := acctest.RandomName("fm")
				files, err := acctest.WriteImage(t.TempDir(), name, 0)
				if err != nil {
					t.Fatal(err)
				}
				var m imageMutation
				for _, x := range imageMutations(files, fileSHA(t, files.Unified), name) {
					if x.name == probe.name {
						m = x
					}
				}
				stop := acctest.NewInterrupter()
				check := hostMatchesState(h, entry.Target, &orphans, &ghosts)
				config := func(body string) string { return h.ProviderConfig() + body }
				var steps []resource.TestStep
				if m.stage != "" {
					steps = append(steps, resource.TestStep{Config: config(m.stage), Check: check})
				}
				cut := resource.TestStep{
					PreConfig:   func() { moment.arm(h, stop, m.request) },
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
					resource.TestStep{
						PreConfig:          func() { stop.Reset(); h.WaitReady(t) },
						RefreshState:       true,
						ExpectNonEmptyPlan: true,
						Check:              check,
					},
				)
				if m.destroy {
					steps = append(steps, resource.TestStep{Config: config(m.stage), Destroy: true})
				} else {
					steps = append(steps, resource.TestStep{Config: config(m.change), Check: check})
				}
				acctest.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: stop.Factories(),
					CheckDestroy: func(*terraform.State) error {
						fps, err := h.Client.GetImageFingerprints()
						if err != nil {
							return err
						}
						left := []string{}
						for _, fp := range fps {
							if fp != entry.Target {
								left = append(left, fp)
							}
						}
						if len(left) > 0 {
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
