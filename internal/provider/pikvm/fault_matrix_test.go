package pikvm_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// The PiKVM half of the fault matrix: every mutating kvmd call of every
// PiKVM resource type, cut by an interrupt before it is sent, while it is in
// flight, once kvmd answered it, or by a connection dropped before kvmd
// handled it. After each, state refreshed from the device must hold the
// images the device holds (nothing uploaded that state does not know), and
// the next apply converges.

type kvmdMutation struct {
	name    string
	stage   string // configuration applied first ("" for none)
	change  string // configuration whose apply makes the call ("" : destroy stage)
	request mockhost.Fault
	route   string // the kvmd route, as the interrupt diagnostic names it
}

type kvmdMoment struct {
	name string
	arm  func(k *acctest.KVMDHost, stop *acctest.Interrupter, request mockhost.Fault)
	// fails says whether the cut apply ends in an error, and which.
	fails func(m kvmdMutation) *regexp.Regexp
}

var kvmdMoments = []kvmdMoment{
	{
		name: "beforeRequest",
		arm:  func(_ *acctest.KVMDHost, stop *acctest.Interrupter, _ mockhost.Fault) { stop.InterruptAtApply() },
		// The read that comes before the change, or the change itself, is
		// refused: nothing is sent.
		fails: func(m kvmdMutation) *regexp.Regexp {
			return acctest.DiagRE(`Terraform was interrupted(\s+before POST ` + regexp.QuoteMeta(m.route) + `.*not started|: stopped waiting for the answer of)`)
		},
	},
	{
		// The request is on its way (an upload still streaming): it is
		// answered and recorded, not abandoned.
		name: "inFlight",
		arm: func(k *acctest.KVMDHost, stop *acctest.Interrupter, request mockhost.Fault) {
			request.Times, request.Hook = 1, stop.Interrupt
			k.Fake.InjectFault(request)
		},
		fails: func(kvmdMutation) *regexp.Regexp { return nil },
	},
	{
		name: "afterAnswered",
		arm: func(k *acctest.KVMDHost, stop *acctest.Interrupter, request mockhost.Fault) {
			request.Times, request.Hook, request.HookAfter = 1, stop.Interrupt, true
			k.Fake.InjectFault(request)
		},
		fails: func(kvmdMutation) *regexp.Regexp { return nil },
	},
	{
		// kvmd never saw the request: nothing changed, and a change is
		// never sent twice.
		name: "connectionDropped",
		arm: func(k *acctest.KVMDHost, _ *acctest.Interrupter, request mockhost.Fault) {
			request.Times, request.Drop = 1, true
			k.Fake.InjectFault(request)
		},
		fails: func(kvmdMutation) *regexp.Regexp { return acctest.DiagRE(`Could not talk to http://127.0.0.1`) },
	},
}

func kvmdMutations(k *acctest.KVMDHost, dir string) []kvmdMutation {
	cfg := func(body string) string {
		if k == nil { // only the names are wanted
			return body
		}
		return k.ProviderConfig("") + body
	}
	image := fmt.Sprintf("resource \"rack_pikvm_msd_image\" \"iso\" {\n  name   = \"installer.iso\"\n  source = %q\n}\n", filepath.Join(dir, "installer.iso"))
	drive := func(connected bool) string {
		return image + fmt.Sprintf("resource \"rack_pikvm_msd_drive\" \"test\" {\n  image     = rack_pikvm_msd_image.iso.name\n  connected = %v\n}\n", connected)
	}
	gpio := func(on bool) string {
		return fmt.Sprintf("resource \"rack_pikvm_gpio_output\" \"test\" {\n  channel = \"relay1\"\n  state   = %v\n}\n", on)
	}
	power := func(state string) string {
		return fmt.Sprintf("resource \"rack_pikvm_power\" \"test\" {\n  state      = %q\n  off_method = \"hard\"\n}\n", state)
	}
	return []kvmdMutation{
		{name: "powerOn", change: cfg(power("on")), route: "/atx/power",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/atx/power"}},
		{name: "powerOff", stage: cfg(power("on")), change: cfg(power("off")), route: "/atx/power",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/atx/power"}},
		{name: "upload", change: cfg(image), route: "/msd/write",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/write"}},
		{name: "removeImage", stage: cfg(image), route: "/msd/remove",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/remove"}},
		{name: "driveConnect", stage: cfg(drive(false)), change: cfg(drive(true)), route: "/msd/set_connected",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/set_connected"}},
		{name: "gpioSwitch", stage: cfg(gpio(false)), change: cfg(gpio(true)), route: "/gpio/switch",
			request: mockhost.Fault{Method: "POST", PathPrefix: "/api/gpio/switch"}},
	}
}

// imagesMatchState fails when the device and state do not hold the same images.
func imagesMatchState(k *acctest.KVMDHost, orphans *atomic.Int64) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		inState := []string{}
		for _, r := range s.RootModule().Resources {
			if r.Type == "rack_pikvm_msd_image" {
				inState = append(inState, r.Primary.Attributes["name"])
			}
		}
		sort.Strings(inState)
		onDevice := k.Fake.ImageNames()
		sort.Strings(onDevice)
		if !reflect.DeepEqual(onDevice, inState) {
			orphans.Add(int64(len(acctest.Missing(onDevice, inState))))
			return fmt.Errorf("device has images %v, state has %v", onDevice, inState)
		}
		return nil
	}
}

func TestAccFaultMatrix_pikvm(t *testing.T) {
	acctest.PreCheck(t)
	var orphans, cases atomic.Int64
	t.Cleanup(func() {
		t.Logf("PiKVM fault matrix: %d cases, %d images left that state does not know", cases.Load(), orphans.Load())
	})
	for _, probe := range kvmdMutations(nil, "") {
		for _, moment := range kvmdMoments {
			t.Run(probe.name+"/"+moment.name, func(t *testing.T) {
				t.Parallel()
				cases.Add(1)
				opts := fastHost()
				opts.GPIOSwitches = []string{"relay1"}
				k := acctest.StartKVMD(t, opts)
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "installer.iso"), strings.Repeat("iso", 4096))
				var m kvmdMutation
				for _, x := range kvmdMutations(k, dir) {
					if x.name == probe.name {
						m = x
					}
				}
				stop := acctest.NewInterrupter()
				check := imagesMatchState(k, &orphans)
				var steps []resource.TestStep
				if m.stage != "" {
					steps = append(steps, resource.TestStep{Config: m.stage, Check: check})
				}
				cut := resource.TestStep{
					PreConfig:   func() { moment.arm(k, stop, m.request) },
					ExpectError: moment.fails(m),
				}
				final := m.change
				if m.change == "" {
					cut.Config, cut.Destroy, final = m.stage, true, m.stage
				} else {
					cut.Config = m.change
				}
				steps = append(steps, cut,
					resource.TestStep{PreConfig: stop.Reset, RefreshState: true, ExpectNonEmptyPlan: true, Check: check},
				)
				if m.change == "" {
					steps = append(steps, resource.TestStep{Config: final, Destroy: true})
				} else {
					steps = append(steps, resource.TestStep{Config: final, Check: check})
				}
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: stop.Factories(),
					Steps:                    steps,
				})
			})
		}
	}
}
