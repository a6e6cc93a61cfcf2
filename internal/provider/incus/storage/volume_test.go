package storage_test

import (
	"fmt"
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

const volumeAddr = "rack_incus_storage_volume.test"

// volumeConfig declares a pool (poolName) and, in pool, a volume.
func volumeConfig(h *acctest.IncusHost, poolName, pool, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_pool" "extra" {
  remote = "test"
  name   = %q
  driver = "dir"
}

resource "rack_incus_storage_volume" "test" {
  remote = "test"
  pool   = %s
%s
}
`, poolName, pool, body)
}

func volumesGone(h *acctest.IncusHost, pool string, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetStoragePoolVolume(pool, "custom", n); err == nil {
				return fmt.Errorf("storage volume %s still exists after destroy", n)
			}
		}
		return nil
	}
}

func TestAccIncusStorageVolume_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		pool := acctest.RandomName("pool")
		name, renamed := acctest.RandomName("vol"), acctest.RandomName("vol")
		t.Cleanup(func() {
			for _, n := range []string{name, renamed} {
				_ = h.Client.DeleteStoragePoolVolume("default", "custom", n)
			}
			forgetPool(h, pool)
		})
		v1 := volumeConfig(h, pool, `"default"`, fmt.Sprintf(`
  name        = %q
  description = "first"
  config      = { "user.owner" = "terraform" }
`, name))
		v2 := volumeConfig(h, pool, `"default"`, fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "user.more" = "yes" }
`, name))
		v3 := volumeConfig(h, pool, `"default"`, fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "user.more" = "yes" }
`, renamed))
		v4 := volumeConfig(h, pool, "rack_incus_storage_pool.extra.name", fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "user.more" = "yes" }
`, renamed))
		id := "test:default/default/" + renamed
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             volumesGone(h, "default", name, renamed),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/default/"+name)),
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("content_type"), knownvalue.StringExact("filesystem")),
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("location"), knownvalue.NotNull()),
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("used_by"), knownvalue.ListSizeExact(0)),
					},
				},
				{ // used_by changes out of band (a profile attaches the volume): no diff
					PreConfig: func() {
						if err := h.Client.CreateProfile(api.ProfilesPost{Name: name, ProfilePut: api.ProfilePut{Devices: map[string]map[string]string{
							"data": {"type": "disk", "pool": "default", "source": name, "path": "/data"},
						}}}); err != nil {
							t.Fatal(err)
						}
					},
					Config:            v1,
					ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("used_by"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/1.0/profiles/" + name)}))},
				},
				{ // in use: the delete (here a replace) is refused and lists the profile
					Config:      volumeConfig(h, pool, `"default"`, fmt.Sprintf("name = %q\ncontent_type = \"block\"\nconfig = { size = \"8MiB\" }", name)),
					ExpectError: acctest.DiagRE(`in use.*profile "` + name + `"`),
				},
				{
					PreConfig: func() { _ = h.Client.DeleteProfile(name) },
					Config:    v2, // update in place
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
					},
				},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					},
				},
				{ResourceName: volumeAddr, ImportState: true, ImportStateId: id, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ResourceName: volumeAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: id, Config: v3},
				{ // changed out of band: drift, put back
					PreConfig: func() {
						v, etag, err := h.Client.GetStoragePoolVolume("default", "custom", renamed)
						if err != nil {
							t.Fatal(err)
						}
						v.Config["user.owner"] = "someone-else"
						if err := h.Client.UpdateStoragePoolVolume("default", "custom", renamed, v.Writable(), etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionUpdate),
					}},
				},
				{ // deleted out of band: planned again
					PreConfig: func() {
						if err := h.Client.DeleteStoragePoolVolume("default", "custom", renamed); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionCreate),
					}},
				},
				{ // another pool replaces it
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

func TestAccIncusStorageVolume_copy(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		pool := acctest.RandomName("pool")
		src, name := acctest.RandomName("src"), acctest.RandomName("cp")
		t.Cleanup(func() { forgetPool(h, pool) })
		cfg := volumeConfig(h, pool, "rack_incus_storage_pool.extra.name", fmt.Sprintf(`
  name = %q
  source_volume = { name = rack_incus_storage_volume.src.name }
  config = { "user.copy" = "yes" }
}

resource "rack_incus_storage_volume" "src" {
  remote      = "test"
  pool        = rack_incus_storage_pool.extra.name
  name        = %q
  description = "source"
  config      = { "user.source" = "yes" }
`, name, src))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             poolsGone(h, pool),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{ // the copy has its own description and config
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
						statecheck.ExpectKnownValue(volumeAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.copy": knownvalue.StringExact("yes")})),
					},
				},
				{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			},
		})
	})
}

func TestAccIncusStorageVolume_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("vol")
		missing := acctest.RandomName("nopool")
		t.Cleanup(func() { _ = h.Client.DeleteStoragePoolVolume("default", "custom", name) })
		cfg := func(pool, body string) string {
			return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_volume" "test" {
  remote = "test"
  pool   = %q
  name   = %q
%s
}
`, pool, name, body)
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             volumesGone(h, "default", name),
			Steps: []resource.TestStep{
				{ // the missing pool is named
					Config:      cfg(missing, ""),
					ExpectError: acctest.DiagRE(`storage pool "` + missing + `" \(remote "test"\)`),
				},
				{ // incusd's refusal, verbatim
					Config:      cfg("default", `config = { "bogus.key" = "1" }`),
					ExpectError: acctest.DiagRE(`Invalid option for volume "` + name + `" option "bogus.key"`),
				},
				{ // a content type Incus does not know, refused at plan time
					Config:      cfg("default", `content_type = "disk"`),
					ExpectError: acctest.DiagRE(`content_type.* value must be one of`),
				},
				{ // a taken name names the import ID
					PreConfig: func() {
						if err := h.Client.CreateStoragePoolVolume("default", api.StorageVolumesPost{Name: name, Type: "custom"}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      cfg("default", ""),
					ExpectError: acctest.DiagRE(`terraform import.*"test:default/default/` + name + `"`),
				},
				{ // the volume made out of band was never Terraform's
					PreConfig: func() { _ = h.Client.DeleteStoragePoolVolume("default", "custom", name) },
					Config:    h.ProviderConfig(),
				},
			},
		})
	})
}

// A copy whose config incusd refuses fails as a whole (the copy operation
// checks it): the error shows the server's words and the operation, and no
// volume is left, so the next apply creates it.
func TestAccIncusStorageVolume_copyRefused(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		pool := acctest.RandomName("pool")
		src, name := acctest.RandomName("src"), acctest.RandomName("cp")
		t.Cleanup(func() { forgetPool(h, pool) })
		cfg := func(config string) string {
			return volumeConfig(h, pool, "rack_incus_storage_pool.extra.name", fmt.Sprintf(`
  name = %q
  source_volume = { name = rack_incus_storage_volume.src.name }
  config = %s
}

resource "rack_incus_storage_volume" "src" {
  remote = "test"
  pool   = rack_incus_storage_pool.extra.name
  name   = %q
`, name, config, src))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             poolsGone(h, pool),
			Steps: []resource.TestStep{
				{
					Config:      cfg(`{ "bogus.key" = "x" }`),
					ExpectError: acctest.DiagRE(`Copying storage volume.*ended with status Failure.*Invalid option for volume "` + name + `" option "bogus.key"`),
				},
				{
					Config: cfg(`{ "user.ok" = "yes" }`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(volumeAddr, plancheck.ResourceActionCreate),
					}},
				},
			},
		})
	})
}
