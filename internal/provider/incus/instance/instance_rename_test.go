package instance_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// A rename refused because the new name is taken by someone else's instance
// must leave state on the instance Terraform manages. The rename error path
// asks InstanceName which name the instance has "now"; with the other
// instance under the new name it answers the new name, and state then tracks
// an instance Terraform never made: the next apply renames it back, and
// destroy deletes it.
func TestAccIncusInstance_renameToTakenNameKeepsState(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, other := acctest.RandomName("rtk"), acctest.RandomName("rtko")
		t.Cleanup(func() { h.ForgetInstance(name) })
		body := func(n string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  running = false\n", n, h.Image))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			// Destroy removes ours and never the instance that held the name.
			CheckDestroy: func(*terraform.State) error {
				if !h.InstanceExists(other) {
					return fmt.Errorf("destroy deleted %s, an instance Terraform never made", other)
				}
				if h.InstanceExists(name) {
					return fmt.Errorf("%s still exists after destroy", name)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{Config: body(name)},
				{
					PreConfig:   func() { h.CreateInstance(t, other) },
					Config:      body(other),
					ExpectError: regexp.MustCompile(`(?s)already`),
				},
				{
					// State must still be on our instance: back to its name is no change.
					Config: body(name),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: func(s *terraform.State) error {
						if got := s.RootModule().Resources[acctest.InstanceAddr].Primary.Attributes["name"]; got != name {
							return fmt.Errorf("state tracks %q, want %q", got, name)
						}
						return nil
					},
				},
			},
		})
	})
}
