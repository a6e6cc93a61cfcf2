package instance_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

func TestAccIncusInstance_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("life")
		renamed := name + "-b"
		alias := acctest.RandomName("other")
		h.AddOtherImage(t, alias)
		t.Cleanup(func() { h.ForgetInstance(name); h.ForgetInstance(renamed) })

		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name, renamed),
			Steps: []resource.TestStep{
				{ // create and start in one request
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "first"
  config      = { "user.role" = "web" }
`, name, h.Image)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("running"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("type"), knownvalue.StringExact("container")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("profiles"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("default")})),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.role": knownvalue.StringExact("web")})),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("architecture"), knownvalue.NotNull()),
					},
				},
				{ // update in place: config, description, devices, power state
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  running     = false
  stop_timeout = 0
  config      = { "user.role" = "db", "limits.processes" = "500" }
  devices = [{
    name       = "scratch"
    type       = "disk"
    properties = { source = "/tmp", path = "/mnt/scratch" }
  }]
`, name, h.Image)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Stopped")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
							"user.role": knownvalue.StringExact("db"), "limits.processes": knownvalue.StringExact("500")})),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("devices"), knownvalue.SetSizeExact(1)),
					},
				},
				{ // rename in place, and start again
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  config      = { "user.role" = "db", "limits.processes" = "500" }
`, renamed, h.Image)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
					},
					Check: func(*terraform.State) error {
						if h.InstanceExists(name) {
							return fmt.Errorf("old name %s still exists after rename", name)
						}
						return nil
					},
				},
				{ // import by ID, verified attribute by attribute
					ResourceName:      acctest.InstanceAddr,
					ImportState:       true,
					ImportStateId:     "test:default/" + renamed,
					ImportStateVerify: true,
				},
				{ // import with an import block: the plan after it must be empty
					ResourceName:    acctest.InstanceAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:" + renamed,
				},
				{ // a new image replaces the instance
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  config      = { "user.role" = "db", "limits.processes" = "500" }
`, renamed, alias)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(alias)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
			},
		})
	})
}
