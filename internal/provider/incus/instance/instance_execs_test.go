package instance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// checkLog compares the lines the execs appended to /tmp/log.
func checkLog(t *testing.T, h *acctest.IncusHost, instance string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, _, _ := hostFile(t, h, instance, "/tmp/log")
		if w := strings.Join(want, "\n") + "\n"; got != w {
			return fmt.Errorf("/tmp/log holds %q, want %q", got, w)
		}
		return nil
	}
}

// once runs after create only; on_change when its own definition changes;
// on_start each time Terraform starts the instance.
func TestAccIncusInstance_execTriggers(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("execs")
		config := func(v string, running bool) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name    = %q
  image   = %q
  running = %t
  execs = {
    a_once   = { command = ["sh", "-c", "echo once >> /tmp/log"] }
    b_change = { command = ["sh", "-c", "echo $V >> /tmp/log; echo $V"], environment = { V = %q }, trigger = "on_change", record_output = true }
    c_start  = { command = ["sh", "-c", "echo start >> /tmp/log"], trigger = "on_start" }
  }
`, name, h.Image, running, v))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: config("v1", true),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkLog(t, h, name, "once", "v1", "start"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.b_change.stdout", "v1\n"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.b_change.stderr", ""),
						// record_output off: nothing of the output in state.
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.a_once.exit_code", "0"),
						resource.TestCheckNoResourceAttr(acctest.InstanceAddr, "execs.a_once.stdout"),
						resource.TestCheckNoResourceAttr(acctest.InstanceAddr, "execs.a_once.stderr"),
					),
				},
				{
					Config: config("v2", true),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkLog(t, h, name, "once", "v1", "start", "v2"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.b_change.stdout", "v2\n"),
					),
				},
				{ // stopping runs nothing
					Config: config("v2", false),
					Check:  checkLog(t, h, name, "once", "v1", "start", "v2"),
				},
				{ // starting runs the on_start exec
					Config: config("v2", true),
					Check:  checkLog(t, h, name, "once", "v1", "start", "v2", "start"),
				},
			},
		})
		if h.IsMock() {
			if n := h.Mock.ExecLogCount(name); n != 0 {
				t.Errorf("%d recorded exec outputs left on the host", n)
			}
		}
	})
}

// A failing command's diagnostic shows the command, its exit code and the
// tail of its stderr; it runs again on the next apply.
func TestAccIncusInstance_execFails(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("execfail")
		var script strings.Builder
		for i := 1; i <= 30; i++ {
			fmt.Fprintf(&script, "echo err%d >&2; ", i)
		}
		script.WriteString("exit 3")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  execs = { setup = { command = ["sh", "-c", %q] } }
`, name, h.Image, script.String())),
				ExpectError: acctest.DiagRE(`Command Failed in Incus Instance.*execs\["setup"\]: command \["sh", "-c", "echo err1 >&2;.*exit 3"\] exited with code 3.*` +
					`Last lines of its stderr:\s+err11\s+err12.*err30\s+It runs again on the next apply`),
			}},
		})
	})
}

// fail_on_error = false records a non-zero exit code without failing.
func TestAccIncusInstance_execNoFail(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("execnofail")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  execs = { probe = { command = ["sh", "-c", "printf 'out\\n'; echo bad >&2; exit 4"], fail_on_error = false, record_output = true, working_dir = "/tmp" } }
`, name, h.Image)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.probe.exit_code", "4"),
					resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.probe.stdout", "out\n"),
					resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.probe.stderr", "bad\n"),
				),
			}},
		})
	})
}

// A command that outlives its timeout fails and says whether incusd could
// cancel it.
func TestAccIncusInstance_execTimeout(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("exectimeout")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  execs = { slow = { command = ["busybox", "sleep", "4"], timeout = "1s" } }
`, name, h.Image)),
				ExpectError: acctest.DiagRE(`Incus Exec Timed Out.*execs\["slow"\].*command \["busybox", "sleep", "4"\] did not finish within its timeout of 1s \(operation [0-9a-f-]+\): ` +
					`incusd could not cancel it \(This operation can't be cancelled\), so it may still be running in the instance`),
			}},
		})
	})
}

// wait_for cloud-init: the busybox image has none, and says so at once.
func TestAccIncusInstance_waitForCloudInitMissing(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("nocloud")
		waitForFailsFast(t, h, name, acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  wait_for = [{ type = "cloud-init" }]
`, name, h.Image)),
			acctest.DiagRE(`Incus Instance Did Not Become Ready.*cloud-init is not installed in the instance \(incusd: Command not found\).*Use an image with cloud-init`))
	})
}

// The mock's simulated cloud-init: done after a delay, or an error in its
// own words.
func TestAccIncusInstance_waitForCloudInitMock(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	name := acctest.RandomName("cloud")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckInstancesGone(h, name),
		Steps: []resource.TestStep{
			{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  config   = { "user.rack-mock.cloud-init" = "error:Failed to run module scripts_user (scripts in /var/lib/cloud/instance/scripts)" }
  wait_for = [{ type = "cloud-init" }]
`, name, h.Image)),
				ExpectError: acctest.DiagRE(`cloud-init reported status "error" \(exit code 1\): Failed to run module scripts_user`),
			},
			{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  config   = { "user.rack-mock.cloud-init" = "done:1s" }
  wait_for = [{ type = "cloud-init" }]
  execs    = { after = { command = ["echo", "ready"], record_output = true } }
`, name, h.Image)),
				Check: resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.after.stdout", "ready\n"),
			},
		},
	})
}
