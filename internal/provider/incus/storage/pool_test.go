package storage_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const poolAddr = "rack_incus_storage_pool.test"

func poolConfig(h *acctest.IncusHost, name, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_pool" "test" {
  remote = "test"
  name   = %q
  driver = "dir"
%s
}
`, name, body)
}

func poolsGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetStoragePool(n); err == nil {
				return fmt.Errorf("storage pool %s still exists after destroy", n)
			}
		}
		return nil
	}
}

func forgetPool(h *acctest.IncusHost, name string) {
	vols, _ := h.Client.GetStoragePoolVolumes(name)
	for _, v := range vols {
		if v.Type == "custom" {
			_ = h.Client.DeleteStoragePoolVolume(name, "custom", v.Name)
		}
	}
	_ = h.Client.DeleteStoragePool(name)
}

func TestAccIncusStoragePool_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("pool"), acctest.RandomName("pool")
		t.Cleanup(func() { forgetPool(h, name); forgetPool(h, renamed) })
		v1 := poolConfig(h, name, `
  description = "first"
  config      = { "user.owner" = "terraform" }
`)
		v2 := poolConfig(h, name, `
  description = "second"
  config      = { "user.owner" = "terraform", "rsync.bwlimit" = "10MiB" }
`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             poolsGone(h, name, renamed),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(poolAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:"+name)),
						// source is filled in by Incus: not shown, not drift
						statecheck.ExpectKnownValue(poolAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.owner": knownvalue.StringExact("terraform")})),
						statecheck.ExpectKnownValue(poolAddr, tfjsonpath.New("used_by"), knownvalue.ListSizeExact(0)),
					},
				},
				{Config: v1, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // update in place (the filled-in source is sent back)
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(poolAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(poolAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
					},
				},
				{ResourceName: poolAddr, ImportState: true, ImportStateId: "test:" + name, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ResourceName: poolAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: "test:" + name, Config: v2},
				{ // a key changed and one added out of band: drift, put back
					PreConfig: func() {
						p, etag, err := h.Client.GetStoragePool(name)
						if err != nil {
							t.Fatal(err)
						}
						p.Config["user.owner"] = "someone-else"
						p.Config["user.extra"] = "x"
						if err := h.Client.UpdateStoragePool(name, p.Writable(), etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(poolAddr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetStoragePool(name)
						if err != nil {
							return err
						}
						if p.Config["user.owner"] != "terraform" || p.Config["user.extra"] != "" {
							return fmt.Errorf("drift not put back: %v", p.Config)
						}
						return nil
					},
				},
				{ // deleted out of band: planned again
					PreConfig: func() {
						if err := h.Client.DeleteStoragePool(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(poolAddr, plancheck.ResourceActionCreate),
					}},
				},
				{ // Incus cannot rename a pool: a new name replaces it
					Config: poolConfig(h, renamed, `description = "second"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(poolAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

func TestAccIncusStoragePool_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("pool")
		vol := acctest.RandomName("vol")
		t.Cleanup(func() { forgetPool(h, name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             poolsGone(h, name),
			Steps: []resource.TestStep{
				{ // a driver Incus does not know, refused at plan time
					Config:      strings.Replace(poolConfig(h, name, ""), `driver = "dir"`, `driver = "ext4"`, 1),
					ExpectError: acctest.DiagRE(`driver.* value must be one of`),
				},
				{ // target on a standalone server
					Config:      poolConfig(h, name, `target = "node9"`),
					ExpectError: acctest.DiagRE(`[Cc]luster member "node9" \(remote "test"\).*standalone Incus server has none`),
				},
				{ // incusd's own refusal, verbatim
					Config:      poolConfig(h, name, `config = { "size" = "1GiB" }`),
					ExpectError: acctest.DiagRE(`Invalid option "size"`),
				},
				{ // a taken name names the import ID
					PreConfig: func() {
						if err := h.Client.CreateStoragePool(api.StoragePoolsPost{Name: name, Driver: "dir"}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      poolConfig(h, name, ""),
					ExpectError: acctest.DiagRE(`terraform import.*"test:` + name + `"`),
				},
				{
					PreConfig: func() { forgetPool(h, name) },
					Config:    poolConfig(h, name, ""),
				},
				{ // in use: the delete is refused, lists the volume, and the pool stays in state
					PreConfig: func() {
						if err := h.Client.CreateStoragePoolVolume(name, api.StorageVolumesPost{Name: vol, Type: "custom"}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(`in use.*custom volume "` + vol + `" of pool "` + name + `"`),
				},
				{
					PreConfig: func() { _ = h.Client.DeleteStoragePoolVolume(name, "custom", vol) },
					Config:    h.ProviderConfig(),
				},
			},
		})
	})
}
