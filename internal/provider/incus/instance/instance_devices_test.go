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

// `devices = []` is accepted and means no devices of its own: the create
// reads back consistently (the framework plans again after each apply and
// fails on a diff), and switching between [] and no attribute is an update
// that only records the new form: the instance keeps running and its
// runtime attributes stay known in the plan.
func TestAccIncusInstance_emptyDevices(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("nodev")
		t.Cleanup(func() { h.ForgetInstance(name) })
		base := fmt.Sprintf("  name  = %q\n  image = %q\n", name, h.Image)
		empty := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
		recordOnly := []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
			plancheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
			plancheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("ipv4_address"), knownvalue.NotNull()),
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, base+"  devices = []\n"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("devices"), knownvalue.SetSizeExact(0)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
				{Config: acctest.InstanceConfig(h, base+"  devices = []\n"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: empty}},
				{Config: acctest.InstanceConfig(h, base), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: recordOnly}},
				{Config: acctest.InstanceConfig(h, base+"  devices = []\n"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: recordOnly}},
				{ // a device added, then [] removes it again
					Config: acctest.InstanceConfig(h, base+`  devices = [{ name = "none0", type = "none" }]`+"\n"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("devices"), knownvalue.SetSizeExact(1)),
					},
				},
				{
					Config: acctest.InstanceConfig(h, base+"  devices = []\n"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("devices"), knownvalue.SetSizeExact(0)),
					},
				},
			},
		})
	})
}
