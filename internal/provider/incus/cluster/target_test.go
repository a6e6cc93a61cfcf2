package cluster_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// `target` of the other types, on a cluster: an instance and a volume on
// member c2, and a pool and a network defined on each member with
// member_config (incusd's pending definitions), on the mock cluster and the
// real one.

func TestAccIncusTarget_instanceAndVolume(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		inst, vol := acctest.RandomName("tgt"), acctest.RandomName("tgtv")
		pool := "local"
		if h.IsMock() {
			pool = "default"
		}
		t.Cleanup(func() {
			h.ForgetInstance(inst)
			_ = h.Client.UseTarget("c2").DeleteStoragePoolVolume(pool, "custom", vol)
		})
		config := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote = "test"
  name   = %q
  image  = %q
  target = "c2"
}

data "rack_incus_instance" "test" {
  remote = "test"
  name   = rack_incus_instance.test.name
}

resource "rack_incus_storage_volume" "test" {
  remote = "test"
  pool   = %q
  name   = %q
  target = "c2"
}
`, inst, h.Image, pool, vol)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, inst),
			Steps: []resource.TestStep{{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.rack_incus_instance.test", "location", "c2"),
					checkLocation(h, inst, "c2"),
					func(*terraform.State) error {
						v, _, err := h.Client.UseTarget("c2").GetStoragePoolVolume(pool, "custom", vol)
						if err != nil {
							return err
						}
						if v.Location != "c2" && !h.IsMock() {
							return fmt.Errorf("volume %s is on %q, want c2", vol, v.Location)
						}
						return nil
					},
				),
			}},
		})
	})
}

func TestAccIncusTarget_memberConfig(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) { memberConfigTest(t, h) })
}

func memberConfigTest(t *testing.T, h *acctest.IncusHost) {
	pool, network := acctest.RandomName("tgp"), acctest.RandomName("tgn")
	t.Cleanup(func() {
		_ = h.Client.DeleteStoragePool(pool)
		_ = h.Client.DeleteNetwork(network)
	})
	// A bridge cannot be defined on two members of one machine: both would
	// make the same kernel interface ("Network interface ... already
	// exists"). A macvlan on lo makes none and sends nothing, and its
	// `parent` is the textbook member-specific key.
	withNetwork := true
	config := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_pool" "test" {
  remote        = "test"
  name          = %q
  driver        = "dir"
  member_config = { c1 = {}, c2 = {} }
}
`, pool)
	if withNetwork {
		config += fmt.Sprintf(`
resource "rack_incus_network" "test" {
  remote        = "test"
  name          = %q
  type          = "macvlan"
  member_config = { c1 = { parent = "lo" }, c2 = { parent = "lo" } }
}
`, network)
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, _, err := h.Client.GetStoragePool(pool); err == nil {
				return fmt.Errorf("pool %s still exists", pool)
			}
			if _, _, err := h.Client.GetNetwork(network); err == nil {
				return fmt.Errorf("network %s still exists", network)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					for _, m := range acctest.ClusterMembers {
						p, _, err := h.Client.UseTarget(m).GetStoragePool(pool)
						if err != nil {
							return err
						}
						if p.Status != "Created" || p.Config["source"] == "" {
							return fmt.Errorf("pool %s on %s: status %s, config %v", pool, m, p.Status, p.Config)
						}
						if !withNetwork {
							continue
						}
						n, _, err := h.Client.UseTarget(m).GetNetwork(network)
						if err != nil {
							return err
						}
						if n.Status != "Created" || n.Config["parent"] != "lo" {
							return fmt.Errorf("network %s on %s: status %s, config %v", network, m, n.Status, n.Config)
						}
					}
					return nil
				},
			},
			{ResourceName: "rack_incus_storage_pool.test", ImportState: true, ImportStateId: "test:" + pool, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "member_config"}},
		},
	})
}
