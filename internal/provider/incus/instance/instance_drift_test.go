package instance_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

func TestAccIncusInstance_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("drift")
		t.Cleanup(func() { h.ForgetInstance(name) })
		cfg := acctest.InstanceConfig(h, fmt.Sprintf(`
  name   = %q
  image  = %q
  config = { "user.owner" = "terraform" }
`, name, h.Image))

		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // an unchanged instance plans nothing
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // stopped out of band: the plan starts it again
					PreConfig: func() { h.StopInstance(t, name) },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("running"), knownvalue.Bool(true)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
				{ // frozen out of band: reads as not running, and is resumed
					PreConfig: func() { h.FreezeInstance(t, name) },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
				{ // a config key changed and one added out of band show as drift and are put back
					PreConfig: func() {
						h.SetConfig(t, name, "user.owner", "someone-else")
						h.SetConfig(t, name, "user.extra", "1")
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
							"user.owner": knownvalue.StringExact("terraform")})),
					},
				},
				{ // deleted out of band: removed from state with a warning, then recreated
					PreConfig: func() { h.DeleteInstance(t, name) },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
			},
		})
	})
}

// The data source reads what the resource made, and a missing instance is an error.
func TestAccIncusInstanceDataSource(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("ds")
		t.Cleanup(func() { h.ForgetInstance(name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name   = %q
  image  = %q
  config = { "user.k" = "v" }
`, name, h.Image)) + `
data "rack_incus_instance" "test" {
  remote = "test"
  name   = rack_incus_instance.test.name
}
`,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_instance.test", tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue("data.rack_incus_instance.test", tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.k": knownvalue.StringExact("v")})),
						statecheck.CompareValuePairs("data.rack_incus_instance.test", tfjsonpath.New("image_fingerprint"), acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), compareEqual{}),
					},
				},
				{
					Config: h.ProviderConfig() + `
data "rack_incus_instance" "missing" {
  remote = "test"
  name   = "no-such-instance"
}
`,
					ExpectError: acctest.DiagRE(`Unable to Read Incus Instance.*"no-such-instance".*was not found`),
				},
			},
		})
	})
}

type compareEqual struct{}

func (compareEqual) CompareValues(values ...any) error {
	if len(values) == 2 && fmt.Sprint(values[0]) == fmt.Sprint(values[1]) {
		return nil
	}
	return fmt.Errorf("values differ: %v", values)
}

// A device written without properties (a "none" device masking a profile's
// NIC) reads back as written: no inconsistent result, no diff.
func TestAccIncusInstance_deviceWithoutProperties(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("nodev")
		t.Cleanup(func() { h.ForgetInstance(name) })
		cfg := acctest.InstanceConfig(h, fmt.Sprintf(`
  name    = %q
  image   = %q
  running = false
  devices = [{ name = "eth0", type = "none" }]
`, name, h.Image))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Stopped")),
				}},
				{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			},
		})
	})
}

// Profiles are applied in order and changed in place; an instance with no
// profile needs its own root disk, as Incus demands.
func TestAccIncusInstance_profiles(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prof")
		profile := acctest.RandomName("limits")
		h.CreateProfile(t, profile, map[string]string{"limits.processes": "300"})
		t.Cleanup(func() { h.ForgetInstance(name) })
		withProfiles := func(list string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  running = false\n  profiles = %s\n", name, h.Image, list))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: withProfiles(fmt.Sprintf(`["default", %q]`, profile)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("profiles"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact("default"), knownvalue.StringExact(profile)})),
					},
				},
				{
					Config: withProfiles(`["default"]`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("profiles"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("default")})),
					},
				},
				{
					PreConfig:   func() { h.DeleteInstance(t, name) },
					Config:      withProfiles(`[]`),
					ExpectError: acctest.DiagRE(`Incus operation ` + operationIDRE + `.*No root device could be found`),
				},
				{
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  running  = false
  profiles = []
  devices  = [{ name = "root", type = "disk", properties = { path = "/", pool = "default" } }]
`, name, h.Image)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("profiles"), knownvalue.ListSizeExact(0)),
					},
				},
			},
		})
	})
}
