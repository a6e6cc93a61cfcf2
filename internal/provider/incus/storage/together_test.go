package storage_test

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

// A profile whose root disk is on a new pool, and an instance using it that
// mounts a custom volume of that pool: applied, planned empty, destroyed
// in order.
func TestAccIncusStorage_profilePoolVolumeInstance(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		pool, vol := acctest.RandomName("pool"), acctest.RandomName("data")
		prof, inst := acctest.RandomName("prof"), acctest.RandomName("inst")
		t.Cleanup(func() {
			h.ForgetInstance(inst)
			_ = h.Client.DeleteProfile(prof)
			forgetPool(h, pool)
		})
		cfg := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_pool" "p" {
  remote = "test"
  name   = %q
  driver = "dir"
}

resource "rack_incus_storage_volume" "data" {
  remote = "test"
  pool   = rack_incus_storage_pool.p.name
  name   = %q
}

resource "rack_incus_profile" "root" {
  remote = "test"
  name   = %q
  devices = [{
    name       = "root"
    type       = "disk"
    properties = { pool = rack_incus_storage_pool.p.name, path = "/" }
  }]
}

resource "rack_incus_instance" "test" {
  remote   = "test"
  name     = %q
  image    = %q
  profiles = [rack_incus_profile.root.name]
  devices = [{
    name       = "data"
    type       = "disk"
    properties = { pool = rack_incus_storage_pool.p.name, source = rack_incus_storage_volume.data.name, path = "/data" }
  }]
}
`, pool, vol, prof, inst, h.Image)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             resource.ComposeTestCheckFunc(acctest.CheckInstancesGone(h, inst), poolsGone(h, pool)),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // refreshed: the volume and pool now list their users, with no diff
					Config:           cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_storage_volume.data", tfjsonpath.New("used_by"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/1.0/instances/" + inst)})),
					},
				},
			},
		})
	})
}
