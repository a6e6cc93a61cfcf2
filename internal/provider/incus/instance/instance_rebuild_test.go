package instance_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// image_change = "rebuild": another image is an in-place update that keeps
// the instance (its creation time, its config) and swaps its image.
func TestAccIncusInstance_rebuild(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, alias := acctest.RandomName("rebuild"), acctest.RandomName("other")
		otherFP := h.AddOtherImage(t, alias)
		t.Cleanup(func() { h.ForgetInstance(name) })
		cfg := func(image, change string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name         = %q
  image        = %q
  image_change = %q
  stop_timeout = 0
  config       = { "user.keep" = "yes" }
`, name, image, change))
		}
		var created string
		steps := []resource.TestStep{
			{
				Config: cfg(h.Image, "rebuild"),
				Check: func(s *terraform.State) error {
					created = s.RootModule().Resources[acctest.InstanceAddr].Primary.Attributes["created_at"]
					return nil
				},
			},
			{
				Config: cfg(alias, "rebuild"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(otherFP)),
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.keep": knownvalue.StringExact("yes")})),
				},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[acctest.InstanceAddr].Primary.Attributes["created_at"]; got != created {
						return fmt.Errorf("created_at %s after the rebuild, want %s: the instance was replaced", got, created)
					}
					return nil
				},
			},
			{ // with the default, another image replaces it
				Config: cfg(h.Image, "replace"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
			{ // a missing image fails at plan time, before anything is stopped
				Config:      cfg("nosuch-"+alias, "rebuild"),
				ExpectError: acctest.DiagRE(`Incus Image Not Found`),
			},
		}
		if h.IsMock() {
			steps = append(steps, resource.TestStep{ // a server without the extension says so
				PreConfig:   func() { h.Mock.HideExtensions("instances_rebuild") },
				Config:      cfg(alias, "rebuild"),
				ExpectError: acctest.DiagRE(`lacks the API extension "instances_rebuild"`),
			}, resource.TestStep{
				PreConfig: func() { h.Mock.HideExtensions() },
				Config:    cfg(h.Image, "rebuild"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				},
			})
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps:                    steps,
		})
	})
}

// restart_on_change: a change Incus refuses on the running instance fails
// and says what to set; with restart_on_change the instance is stopped,
// changed and started again. Containers on incusd 6.0.4 take every config
// key live; what it refuses is adding or removing a device that cannot be
// hot-plugged (an ipvlan NIC), and, for VMs, keys outside its live list.
func TestAccIncusInstance_restartOnChange(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("restart")
		t.Cleanup(func() { h.ForgetInstance(name) })
		// The ipvlan NIC is refused before anything is started on the host;
		// its parent is loopback, so the real daemon would fail to start it:
		// the restart itself runs on the mock (a VM key there).
		ipvlan := `
  devices = [{
    name       = "ipv"
    type       = "nic"
    properties = { nictype = "ipvlan", parent = "lo", "ipv4.address" = "198.18.250.9" }
  }]
`
		cfg := func(extra string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  stop_timeout = 0\n%s", name, h.Image, extra))
		}
		steps := []resource.TestStep{
			{Config: cfg("")},
			{
				Config:      cfg(ipvlan),
				ExpectError: acctest.DiagRE(`Incus cannot make this change while instance.*runs\. Set restart_on_change = true.*Device cannot be added when instance is running`),
			},
		}
		if h.IsMock() {
			vm := func(raw, restart string) string {
				return acctest.InstanceConfig(h, fmt.Sprintf(`
  name              = %q
  image             = %q
  type              = "virtual-machine"
  stop_timeout      = 0
  restart_on_change = %s
  config            = { "raw.qemu" = %q }
`, name+"-vm", h.Image, restart, raw))
			}
			t.Cleanup(func() { h.ForgetInstance(name + "-vm") })
			steps = append(steps,
				resource.TestStep{Config: vm("-m 1G", "false")},
				resource.TestStep{
					Config:      vm("-m 2G", "false"),
					ExpectError: acctest.DiagRE(`Set restart_on_change = true.*Key "raw.qemu" cannot be updated when VM is running`),
				},
				resource.TestStep{
					Config: vm("-m 2G", "true"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"raw.qemu": knownvalue.StringExact("-m 2G")})),
					},
				},
			)
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name, name+"-vm"),
			Steps:                    steps,
		})
	})
}
