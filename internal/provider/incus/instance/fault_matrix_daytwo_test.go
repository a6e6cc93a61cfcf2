package instance_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// The fault matrix of the instance's day-two calls: a file upload (a
// synchronous POST .../files) and an exec (POST .../exec and its
// operation), cut by an interrupt or a daemon restart. As in
// TestAccFaultMatrix_incusInstance: after a refresh, state and host agree
// (a file state records as uploaded is on the host; an exec state records
// as run has run), and the next apply converges. An exec whose answer was
// lost is recorded as not run and runs again: execs run at least once.
func TestAccFaultMatrix_incusInstanceDayTwo(t *testing.T) {
	acctest.PreCheck(t)
	var cases atomic.Int64
	t.Cleanup(func() { t.Logf("day-two fault matrix: %d cases", cases.Load()) })
	type mutation struct {
		name, change string
		request      func(instance string) mockhost.Fault
		first        string
		operation    bool // the call runs as an operation
	}
	mutations := []mutation{
		{name: "filePush", change: `  files = [{ target_path = "/tmp/f", content = "v1" }]` + "\n",
			request: func(n string) mockhost.Fault {
				return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances/" + n + "/files"}
			},
			first: "the file upload"},
		{name: "exec", change: `  execs = { a = { command = ["sh", "-c", "echo ran >> /tmp/log"] } }` + "\n",
			request: func(n string) mockhost.Fault {
				return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances/" + n + "/exec"}
			},
			first: "the exec request", operation: true},
	}
	moments := []struct {
		name      string
		operation bool // only for calls that run as an operation
		arm       func(h *acctest.IncusHost, stop *acctest.Interrupter, f mockhost.Fault)
		outcome   func(first string) *regexp.Regexp
	}{
		{name: "beforeRequest",
			arm:     func(_ *acctest.IncusHost, stop *acctest.Interrupter, _ mockhost.Fault) { stop.InterruptAtApply() },
			outcome: func(first string) *regexp.Regexp { return interruptedBefore(first) }},
		{name: "afterAccepted",
			arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, f mockhost.Fault) {
				armAfterAccept(h, f, stop.Interrupt)
			},
			outcome: func(string) *regexp.Regexp { return nil }},
		{name: "duringWait", operation: true,
			arm: func(h *acctest.IncusHost, stop *acctest.Interrupter, f mockhost.Fault) {
				armAfterAccept(h, f, func() { onOperationWait(h, false, stop.Interrupt) })
			},
			outcome: func(string) *regexp.Regexp { return nil }},
		{name: "restartBeforeAnswer",
			arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, f mockhost.Fault) {
				armAfterAccept(h, f, func() { h.Mock.Restart(time.Second, mockhost.OpsFinish) })
			},
			outcome: func(string) *regexp.Regexp { return lostConnection }},
		{name: "restartDuringWaitAbandoned", operation: true,
			arm: func(h *acctest.IncusHost, _ *acctest.Interrupter, f mockhost.Fault) {
				armAfterAccept(h, f, func() {
					onOperationWait(h, false, func() { h.Mock.Restart(time.Second, mockhost.OpsAbandon) })
				})
			},
			outcome: func(string) *regexp.Regexp { return lostConnection }},
	}
	for _, m := range mutations {
		for _, moment := range moments {
			if moment.operation && !m.operation {
				continue
			}
			t.Run(m.name+"/"+moment.name, func(t *testing.T) {
				t.Parallel()
				cases.Add(1)
				h := acctest.StartMockHost(t)
				h.Mock.OperationDelay = 300 * time.Millisecond
				name := acctest.RandomName("fm2")
				stop := acctest.NewInterrupter()
				var orphans, ghosts atomic.Int64
				instances := hostMatchesState(t, h, &orphans, &ghosts)
				base := fmt.Sprintf("  name = %q\n  image = %q\n  stop_timeout = 0\n", name, acctest.DefaultImage)
				config := func(body string) string { return acctest.InstanceConfig(h, base+body) }
				check := resource.ComposeAggregateTestCheckFunc(instances, dayTwoAgrees(h, name))
				acctest.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: stop.Factories(),
					CheckDestroy: func(*terraform.State) error {
						if left := h.InstanceNames(t); len(left) > 0 {
							return fmt.Errorf("left on the host after destroy: %s", strings.Join(left, ", "))
						}
						return nil
					},
					Steps: []resource.TestStep{
						{Config: config(""), Check: check},
						{
							PreConfig:   func() { moment.arm(h, stop, m.request(name)) },
							Config:      config(m.change),
							ExpectError: moment.outcome(m.first),
						},
						{
							PreConfig:          func() { stop.Reset(); h.WaitReady(t) },
							RefreshState:       true,
							ExpectNonEmptyPlan: true,
							Check:              check,
						},
						{Config: config(m.change), Check: check},
					},
				})
			})
		}
	}
}

// dayTwoAgrees fails when state says a file was uploaded that the host
// does not hold, or an exec ran that left no trace.
func dayTwoAgrees(h *acctest.IncusHost, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		r := s.RootModule().Resources[acctest.InstanceAddr]
		if r == nil {
			return nil
		}
		a := r.Primary.Attributes
		if sum := a["files.0.sha256"]; sum != "" && sum != "drifted" {
			if got, ok := h.Mock.InstanceFile(name, "/tmp/f"); !ok || string(got) != "v1" {
				return fmt.Errorf("state records /tmp/f as uploaded (sha256 %s), the host holds %q (present %v)", sum, got, ok)
			}
		}
		if code := a["execs.a.exit_code"]; code != "" {
			if got, _ := h.Mock.InstanceFile(name, "/tmp/log"); !strings.Contains(string(got), "ran") {
				return fmt.Errorf("state records exec a as run (exit code %s), but it left no trace", code)
			}
		}
		return nil
	}
}
